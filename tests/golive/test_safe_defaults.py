"""Go-live room tests: tidy, safe defaults (issue 12) and issue 13 rows 9, 10, 11. Files are created
private (0700/0600) by the real process; start-up prints where the screens are, without library noise;
no page can be framed; the QR base URL never follows a Host header; one password rule everywhere."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

import baseurl

from tests.conftest import ROOT, LiveServer


def _mode(path) -> str:
    """Permission bits as 0o...."""
    return oct(path.stat().st_mode & 0o777)


@pytest.mark.slow
def test_first_start_creates_private_files_and_says_where_to_go(tmp_path):
    """A fresh instance: folder 0700; database, WAL, secret key, setup code 0600; the output names the
    screens, the setup URL and code, with no deprecation notice."""
    instance = tmp_path / "instance"  # made by the server itself, not by the test
    srv = LiveServer(f"sqlite:///{instance / 'motcua.db'}", tmp_path / "logs",
                     {"HOST": "0.0.0.0", "BACKGROUND_TASKS": "0", "INSTANCE_DIR": str(instance)})
    srv.start()
    try:
        output = srv.log_path.read_text()
    finally:
        srv.stop()
    assert _mode(instance) == "0o700"
    for name in ("motcua.db", "motcua.db-wal", "secret_key", "setup-code", "server.lock"):
        if (instance / name).exists():
            assert _mode(instance / name) == "0o600", name
    assert (instance / "setup-code").exists()
    assert "Deprecat" not in output and "Warning" not in output
    assert f"http://127.0.0.1:{srv.port}" in output
    assert "/setup" in output and "nhập mã" in output
    assert "/kiosk" in output and "/admin" in output


def test_no_page_can_be_framed(client, office):
    """Admin pages (and every other answer) forbid framing by another site."""
    for path in ("/admin/login", "/admin", "/api/health", "/setup"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"], path


def test_qr_base_url_never_follows_the_host_header(app, office, api):
    """A kiosk request with a forged Host does not decide what later QR codes and pairing links say."""
    app.config["PUBLIC_BASE_URL"] = ""
    app.config["HOST"], app.config["PORT"] = "192.168.1.30", 5000
    kiosk = api(device=office.kiosk_token)
    forged = kiosk.post("/api/tickets", json={"field": office.f1.id}, headers={"Host": "evil.example"})
    assert forged.status_code == 201
    assert forged.get_json()["status_url"].startswith("http://192.168.1.30:5000/t/")
    later = kiosk.post("/api/tickets", json={"field": office.f1.id}).get_json()
    assert later["status_url"].startswith("http://192.168.1.30:5000/t/")

    assert baseurl.public_base_url(app) == "http://192.168.1.30:5000"
    admin = api("admin1")
    pairing = admin.post("/api/admin/devices", json={"kind": "kiosk", "name": "Kiosk 2"})  # the client calls it "localhost"
    assert pairing.get_json()["pair_url"].startswith("http://192.168.1.30:5000/pair/")
    assert "<svg" in pairing.get_json()["pair_qr_svg"]


def test_create_admin_applies_the_password_rule(tmp_path):
    """``create-admin`` refuses the password "a" as the admin page does (row 10), as typed on the command line."""
    env = {"INSTANCE_DIR": str(tmp_path / "i"), "DATABASE_URL": f"sqlite:///{tmp_path / 'i' / 'm.db'}",
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "server.py", "create-admin", "--username", "boss", "--password", "a",
                           "--office-name", "UBND xã Thử"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "8 đến 200" in done.stderr


def test_password_with_spaces_set_on_the_admin_page_logs_in(client, office, api):
    """A password with spaces around it, set by an admin, is the password at login (no stripping)."""
    admin = api("admin1")
    spaced = "  mật khẩu mới  "
    created = admin.post("/api/admin/users", json={"username": "canbo_moi", "full_name": "Cán bộ mới", "role": "clerk",
                                                   "password": spaced, "counters": []})
    assert created.status_code == 201, created.get_json()
    login = client.application.test_client().post("/api/session", json={"username": "canbo_moi", "password": spaced})
    assert login.status_code == 200
    stripped = client.application.test_client().post("/api/session", json={"username": "canbo_moi",
                                                                            "password": spaced.strip()})
    assert stripped.status_code == 401


def test_every_browser_gets_an_icon_not_a_404(client):
    """Browsers ask for /favicon.ico on every page; a real icon, served locally and cached."""
    from PIL import Image

    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        data = response.data
    assert {size for size in Image.open(io.BytesIO(data)).ico.sizes()} >= {(16, 16), (32, 32)}
