"""Security room, issue 13 row 11 (a gap in the go-live test, which checks a file's mode only if the
file exists, and whose server gets SECRET_KEY from its environment so never writes one): a real
server started without SECRET_KEY creates its secret key, database and instance folder private."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer


@pytest.mark.slow
def test_a_server_without_secret_key_writes_its_key_and_database_private(tmp_path):
    """instance/ 0700; secret_key, motcua.db 0600, all present; a restart reads the same key."""
    instance = tmp_path / "instance"
    srv = LiveServer(f"sqlite:///{instance / 'motcua.db'}", tmp_path / "logs",
                     {"BACKGROUND_TASKS": "0", "INSTANCE_DIR": str(instance)})
    del srv.env["SECRET_KEY"]
    srv.start()
    srv.stop()
    modes = {name: oct((instance / name).stat().st_mode & 0o777) for name in ("secret_key", "motcua.db")}
    assert oct(instance.stat().st_mode & 0o777) == "0o700"
    assert modes == {"secret_key": "0o600", "motcua.db": "0o600"}
    key = (instance / "secret_key").read_text()
    assert len(key) >= 32
    srv.start()
    srv.stop()
    assert (instance / "secret_key").read_text() == key
