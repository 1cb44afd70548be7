"""Print agent room: scripts/install-agent.sh. Its dry run prints every step and the files it would write
(the pairing link masked), changes nothing, and the unit it writes passes ``systemd-analyze verify``."""

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "install-agent.sh"
PAIR = "http://192.168.1.10:5000/pair/secret-kiosk-token"


def dry_run(tmp_path, *args, user="motcua-agent"):
    """The installer's dry run with its paths under ``tmp_path``: (exit code, output, errors)."""
    env = dict(os.environ, MOTCUA_AGENT_DATA=str(tmp_path / "data"), MOTCUA_AGENT_CONF=str(tmp_path / "agent.conf"),
               MOTCUA_UNIT_DIR=str(tmp_path / "units"), MOTCUA_UDEV_DIR=str(tmp_path / "udev"),
               MOTCUA_AGENT_USER=user)
    done = subprocess.run(["bash", str(SCRIPT), "--dry-run", *args], env=env, capture_output=True, text=True,
                          timeout=60)
    return done.returncode, done.stdout, done.stderr


def written(output, path):
    """The content the dry run shows for the file ``path``."""
    block = output.split(f"+ write {path}", 1)[1].split("\n", 1)[1]
    return "\n".join(_lines(block)) + "\n"


def _lines(block):
    """The '    | ' lines at the start of a block."""
    for line in block.splitlines():
        if not line.startswith("    | "):
            return
        yield line[6:]


def test_dry_run_prints_every_step_masks_the_link_and_changes_nothing(tmp_path):
    code, out, err = dry_run(tmp_path, "--pair", PAIR, "--printer", "usb://0x04b8:0x0202")
    assert code == 0, err
    for step in ("apt-get install -y --no-install-recommends python3-venv libusb-1.0-0", "useradd --system",
                 f"install -d -m 0700 -o motcua-agent -g motcua-agent {tmp_path / 'data'}",
                 f"+ write {tmp_path / 'agent.conf'} (mode 0600, owner motcua-agent:motcua-agent)",
                 f"python3 -m venv {ROOT / '.venv-agent'}", f"-r {ROOT / 'requirements-agent.txt'}",
                 f"+ write {tmp_path / 'udev' / '60-motcua-printer.rules'}", "systemctl enable --now motcua-agent.service"):
        assert step in out, step
    conf = written(out, tmp_path / "agent.conf")
    assert "server = http://192.168.1.10:5000" in conf and "printer = usb://0x04b8:0x0202" in conf
    assert "secret-kiosk-token" not in out and "pair = http://192.168.1.10:5000/pair/********" in conf
    rule = written(out, tmp_path / "udev" / "60-motcua-printer.rules")
    assert 'ATTRS{idVendor}=="04b8", ATTRS{idProduct}=="0202"' in rule and 'GROUP="lp"' in rule
    assert not (tmp_path / "data").exists() and not (tmp_path / "agent.conf").exists()


def test_the_unit_runs_the_agent_from_this_checkout_and_is_hardened(tmp_path):
    _, out, _ = dry_run(tmp_path, "--pair", PAIR, "--printer", "file:///dev/usb/lp0")
    unit = written(out, tmp_path / "units" / "motcua-agent.service")
    assert f"ExecStart={ROOT}/.venv-agent/bin/python -m kiosk.agent --config {tmp_path / 'agent.conf'}" in unit
    for line in ("Restart=always", "UMask=0077", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 f"ReadWritePaths={tmp_path / 'data'}", "SupplementaryGroups=lp dialout"):
        assert line in unit.splitlines(), line
    assert "udev" not in out  # no USB rule for a device-file printer


def test_the_unit_verifies(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    _, out, _ = dry_run(tmp_path, "--pair", PAIR, "--printer", "usb://0x04b8:0x0202", user="root")
    path = tmp_path / "motcua-agent.service"
    unit = written(out, tmp_path / "units" / "motcua-agent.service")
    # The agent's .venv-agent exists only once installed: verify against this checkout's .venv.
    path.write_text(unit.replace(str(ROOT / ".venv-agent"), str(ROOT / ".venv")))
    done = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_missing_pairing_link_is_refused_with_the_reason(tmp_path):
    code, _, err = dry_run(tmp_path, "--printer", "usb://0x04b8:0x0202")
    assert code == 2 and "pairing link" in err


def test_uninstall_keeps_the_journal_and_settings(tmp_path):
    code, out, _ = dry_run(tmp_path, "--uninstall")
    assert code == 0 and "systemctl disable --now motcua-agent.service" in out
    assert "Kept:" in out and str(tmp_path / "data") in out and "rm -rf" not in out
