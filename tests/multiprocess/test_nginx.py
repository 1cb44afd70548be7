"""Beyond one box: deploy/nginx.conf as shipped, run by a real nginx in front of two server processes
(PostgreSQL + Redis): sticky long-polling, WebSocket upgrade, and failover when a process dies."""

from __future__ import annotations

import queue
import shutil
import signal
import subprocess
import time

import pytest
import requests
import socketio

from tests.conftest import MONITOR_HEADERS, ROOT, close_socket, free_port, need_service

pytestmark = pytest.mark.slow
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = ROOT / "deploy" / "nginx.conf"


def _main_conf(tmp_path, site: str) -> str:
    """A minimal nginx main configuration around the site file, everything under tmp_path."""
    (tmp_path / "motcua.conf").write_text(site)
    temp = "".join(f"{kind}_temp_path {tmp_path}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                          "uwsgi", "scgi"))
    main = (f"daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
            f"events {{ worker_connections 4096; }}\n"
            f"http {{\naccess_log off;\n{temp}include {tmp_path}/motcua.conf;\n}}\n")
    path = tmp_path / "nginx.conf"
    path.write_text(main)
    return str(path)


@pytest.fixture
def nginx_front(tmp_path, two_servers):
    """nginx on a free loopback port with the repo's config pointed at the two live servers."""
    if not shutil.which(NGINX):
        need_service("nginx", "not installed (apt-get install nginx); this test runs the shipped config")
    a, b = two_servers
    port = free_port()
    site = (CONF.read_text().replace("127.0.0.1:5001", f"127.0.0.1:{a.port}")
            .replace("127.0.0.1:5002", f"127.0.0.1:{b.port}").replace("listen 80;", f"listen 127.0.0.1:{port};"))
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", _main_conf(tmp_path, site)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            if requests.get(url + "/api/health", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
        time.sleep(0.1)
    yield url, a, b
    proc.send_signal(signal.SIGQUIT)
    proc.wait(timeout=10)


@pytest.fixture
def sockets():
    """Clients opened by a test; shut down after it even when it failed (also ends any reconnect)."""
    opened = []
    yield opened
    for client in opened:
        close_socket(client)


def _client(sockets, url, token, transports):
    """A display client through nginx; events land in a queue."""
    events = queue.Queue()
    client = socketio.Client(reconnection_delay=0.2, reconnection_delay_max=1)
    sockets.append(client)
    client.on("*", lambda event, data: events.put((event, data)))
    client.connect(url, auth={"device_token": token}, transports=transports, wait_timeout=10)
    return client, events


def _wait(events, name, timeout=10, where=lambda _d: True):
    """The next ``name`` event matching ``where``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event, data = events.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if event == name and where(data):
            return data
    raise AssertionError(f"no {name} within {timeout}s")


def test_shipped_config_passes_nginx_check(tmp_path):
    """``nginx -t`` accepts deploy/nginx.conf as it is in the repo."""
    if not shutil.which(NGINX):
        need_service("nginx", "not installed (apt-get install nginx)")
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", _main_conf(tmp_path, CONF.read_text())],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr


def test_polling_and_websocket_clients_work_through_nginx(nginx_front, shared_office, sockets):
    """A long-polling client (needs stickiness) and a WebSocket client both get calls made on either process."""
    url, a, b = nginx_front
    polling, polled = _client(sockets, url, shared_office.display_token, ["polling"])
    ws, pushed = _client(sockets, url, shared_office.display_token, ["websocket"])
    assert polling.transport() == "polling" and ws.transport() == "websocket"
    _wait(polled, "snapshot")
    _wait(pushed, "snapshot")
    for server, counter in ((a, shared_office.c1), (b, shared_office.c2)):
        requests.post(server.url + "/api/tickets", json={"field": shared_office.f1.id},
                      headers={"X-Device-Token": shared_office.kiosk_token}, timeout=10)
        called = server.session(username="admin1").post(server.url + f"/api/counters/{counter.id}/call-next",
                                                         timeout=10).json()["ticket"]
        for events in (polled, pushed):
            _wait(events, "update", where=lambda d, t=called: "call" in d and d["call"]["ticket"]["id"] == t["id"])


def test_clients_fail_over_through_nginx_when_their_process_dies(nginx_front, shared_office, sockets):
    """Kill the process nginx sends this client to: the client reconnects through nginx to the other."""
    url, a, b = nginx_front
    client, events = _client(sockets, url, shared_office.display_token, ["websocket"])
    _wait(events, "snapshot")
    serving_pid = requests.get(url + "/api/health", headers=MONITOR_HEADERS, timeout=5).json()["background"]["pid"]
    victim, survivor = (a, b) if a.proc.pid == serving_pid else (b, a)
    assert victim.proc.pid == serving_pid
    victim.stop(signal.SIGKILL)
    snapshot = _wait(events, "snapshot", timeout=20)
    seq = requests.get(survivor.url + "/api/snapshot", headers={"X-Device-Token": shared_office.display_token},
                       timeout=5).json()["seq"]
    assert snapshot["seq"] == seq
    assert requests.get(url + "/api/health", headers=MONITOR_HEADERS, timeout=5).json()["background"]["pid"] == survivor.proc.pid
