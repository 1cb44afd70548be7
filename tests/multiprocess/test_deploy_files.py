"""Beyond one box: the deployment files in deploy/ are valid as shipped (systemd unit, kiosk launcher)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

UNIT = ROOT / "deploy" / "motcua.service"
KIOSK = ROOT / "deploy" / "chromium-kiosk.sh"


def _unit_here(text: str) -> str:
    """The unit with this checkout's paths, so systemd can check the program exists."""
    return (text.replace("/opt/motcua/.venv/bin/python", str(ROOT / ".venv" / "bin" / "python"))
            .replace("WorkingDirectory=/opt/motcua", f"WorkingDirectory={ROOT}")
            .replace("User=motcua", "User=root").replace("Group=motcua", "Group=root"))


@pytest.mark.parametrize("name, text_change", [
    ("motcua.service", lambda t: t),
    ("motcua@5001.service", lambda t: t.replace("#Environment=PORT=%i", "Environment=PORT=%i")),
])
def test_systemd_unit_verifies(tmp_path, name, text_change):
    """``systemd-analyze verify`` accepts the unit, single and as the per-port template."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    file_name = name.replace("5001", "")  # a template file is motcua@.service; verify one instance of it
    (tmp_path / file_name).write_text(_unit_here(text_change(UNIT.read_text())))
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def _kiosk_command(role: str) -> list[str]:
    """The Chromium command line the launcher would run for ``role``."""
    done = subprocess.run(["bash", str(KIOSK), "http://127.0.0.1/pair/abc", role], capture_output=True, text=True,
                          timeout=30, check=False, env=dict(os.environ, MOTCUA_DRY_RUN="1", MOTCUA_BROWSER="chromium"))
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize("role", ["kiosk", "display", "tablet"])
def test_kiosk_launcher_flags(role):
    """Every screen starts full screen, silent, allowed to play sound, in Vietnamese, with one feature list."""
    command = _kiosk_command(role)
    for flag in ("--kiosk", "--noerrdialogs", "--autoplay-policy=no-user-gesture-required", "--lang=vi",
                 "--disable-session-crashed-bubble"):
        assert flag in command, flag
    assert sum(arg.startswith("--disable-features=") for arg in command) == 1
    assert command[-1] == "http://127.0.0.1/pair/abc"
    assert ("--disable-pinch" in command) == (role != "display")


def test_kiosk_launcher_refuses_unknown_role():
    """A typo in the role is an error, not a silent default."""
    done = subprocess.run(["bash", str(KIOSK), "http://x", "kiost"], capture_output=True, text=True, timeout=30,
                          check=False, env=dict(os.environ, MOTCUA_DRY_RUN="1"))
    assert done.returncode == 2
