"""Go-live room tests: scripts/install.sh. Its dry run prints every step and the files it would write
and changes nothing; the unit it writes passes ``systemd-analyze verify``; --uninstall keeps the data."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "install.sh"


def _dry_run(tmp_path, *args, user="motcua"):
    """Run the installer's dry run with its folders under ``tmp_path``; returns its output."""
    env = dict(os.environ, MOTCUA_DATA=str(tmp_path / "data"), MOTCUA_ETC=str(tmp_path / "etc"),
               MOTCUA_UNIT_DIR=str(tmp_path / "units"), MOTCUA_USER=user)
    done = subprocess.run(["bash", str(SCRIPT), "--dry-run", *args], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _written(output: str, path) -> str:
    """The content the dry run shows for the file ``path``."""
    block = output.split(f"+ write {path}", 1)[1].split("\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if not line.startswith("    | "):
            break
        lines.append(line[6:])
    return "\n".join(lines) + "\n"


def test_dry_run_prints_every_step_and_changes_nothing(tmp_path):
    """User, folders (0700 data), env file, .venv, unit, verify, enable; nothing is created."""
    out = _dry_run(tmp_path)
    for step in ("useradd --system", f"install -d -m 0700 -o motcua -g motcua {tmp_path / 'data'}",
                 f"+ write {tmp_path / 'etc' / 'motcua.env'} (mode 0640", "scripts/setup.sh",
                 f"+ write {tmp_path / 'units' / 'motcua.service'} (mode 0644", "systemctl daemon-reload",
                 "systemctl enable --now motcua.service", "/setup"):
        assert step in out, step
    assert not (tmp_path / "data").exists() and not (tmp_path / "units").exists()
    env = _written(out, tmp_path / "etc" / "motcua.env")
    assert f"INSTANCE_DIR={tmp_path / 'data'}" in env and "HOST=0.0.0.0" in env


def test_the_unit_restarts_on_failure_and_is_hardened(tmp_path):
    """The unit is deploy/motcua.service with this checkout's paths: on-failure restarts, private files."""
    unit = _written(_dry_run(tmp_path), tmp_path / "units" / "motcua.service")
    assert f"ExecStart={ROOT}/.venv/bin/python server.py --no-demo" in unit
    assert f"WorkingDirectory={ROOT}" in unit and f"ReadWritePaths={tmp_path / 'data'}" in unit
    for line in ("Restart=on-failure", "UMask=0077", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "PrivateTmp=yes", "CapabilityBoundingSet="):
        assert re.search(rf"^{re.escape(line)}$", unit, re.M), line


def test_the_unit_verifies(tmp_path):
    """``systemd-analyze verify`` accepts the unit the installer writes."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    unit = _written(_dry_run(tmp_path, user="root"), tmp_path / "units" / "motcua.service")
    path = tmp_path / "motcua.service"
    path.write_text(unit)
    done = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_uninstall_keeps_the_data(tmp_path):
    """--uninstall stops and removes the service only; the data folder and settings are named as kept."""
    out = _dry_run(tmp_path, "--uninstall")
    assert "systemctl disable --now motcua.service" in out and "rm -f" in out
    assert "Kept:" in out and str(tmp_path / "data") in out
    assert "rm -rf" not in out and "userdel" not in out
