"""Print agent room: the agent's command lines in docs/DEPLOY.md run as typed.

Each line is read from the document (never copied here) and run with bash as a subprocess. What a
line says about the kiosk it runs on is mapped to this machine, as the go-live commands test does:
a leading ``sudo`` is dropped (tests run as root; sudo may be absent), the server
``http://192.168.1.10:5000`` becomes a live test server, ``<token>`` the kiosk's pairing token,
``usb://0x04b8:0x0202`` a fake network printer, ``/var/lib/motcua-agent`` a scratch folder, and
``.venv-agent`` (made by the installer from requirements-agent.txt) this checkout's ``.venv``, whose
packages are the same pinned versions (test_agent_parts checks the pins).
"""

import os
import re
import subprocess
import time

import zxingcpp

from tests.conftest import ROOT

DEPLOY = (ROOT / "docs" / "DEPLOY.md").read_text()


def documented(pattern: str) -> list[str]:
    """Lines of DEPLOY.md's shell blocks matching ``pattern``."""
    blocks = re.findall(r"```sh\n(.*?)```", DEPLOY, re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if re.search(pattern, line)]


def mapped(line: str, **values) -> str:
    """A documented line with what it says about the kiosk replaced by this machine's equivalents."""
    line = re.sub(r"^sudo ", "", line)
    for old, new in values.items():
        line = line.replace(old, new)
    return line


def test_deploy_documents_the_agent_installer_and_the_agent():
    assert documented(r"install-agent\.sh --dry-run") and documented(r"-m kiosk\.agent ")


def test_the_documented_installer_dry_run_runs_as_typed(tmp_path):
    for line in documented(r"install-agent\.sh --dry-run"):
        env = dict(os.environ, MOTCUA_AGENT_DATA=str(tmp_path / "data"), MOTCUA_AGENT_CONF=str(tmp_path / "a.conf"),
                   MOTCUA_UNIT_DIR=str(tmp_path / "units"), MOTCUA_UDEV_DIR=str(tmp_path / "udev"))
        done = subprocess.run(["bash", "-c", mapped(line, **{"<token>": "kiosk-token"})], cwd=ROOT, env=env,
                              capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        assert "systemctl enable --now motcua-agent.service" in done.stdout


def test_the_documented_agent_line_prints_the_kiosks_ticket(live_office, live_server_factory, fake_printer,
                                                           decode_raster, tmp_path):
    import models

    db_url, bag = live_office
    with models.connection():
        bag.kiosk.settings = {"printer": {"kind": "agent", "paper_mm": 80}}
        bag.kiosk.save()
    server = live_server_factory(db_url=db_url, env={"PRINTER": "none"})
    [line] = documented(r"-m kiosk\.agent ")
    command = mapped(line, **{"http://192.168.1.10:5000": server.url, "<token>": bag.kiosk_token,
                              "usb://0x04b8:0x0202": fake_printer.url,
                              "/var/lib/motcua-agent": str(tmp_path / "agent"), ".venv-agent/": ".venv/"})
    log = open(tmp_path / "agent.log", "wb")
    agent = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        body = server.session(device_token=bag.kiosk_token).post(server.url + "/api/tickets",
                                                                 json={"field": bag.f1.id}, timeout=20).json()
        deadline = time.monotonic() + 30
        while not fake_printer.printed and time.monotonic() < deadline and agent.poll() is None:
            time.sleep(0.1)
        assert fake_printer.printed, (tmp_path / "agent.log").read_text()[-2000:]
        [code] = zxingcpp.read_barcodes(decode_raster(fake_printer.printed[0]).convert("L"))
        assert code.text == body["status_url"]
    finally:
        agent.terminate()
        agent.wait(timeout=20)
        log.close()
    assert (tmp_path / "agent" / "journal.json").exists()
