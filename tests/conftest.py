"""Test fixtures: an app on a temporary SQLite file (or a fresh PostgreSQL database), factories,
logged-in clients, a real server process, and a real headless Chromium."""

from __future__ import annotations

import contextlib
import itertools
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import migrations  # noqa: E402
import models  # noqa: E402
import security  # noqa: E402
import server  # noqa: E402
import ticketing  # noqa: E402
from models import Counter, CounterField, Device, Field, Office, PriorityCategory, User, UserCounter  # noqa: E402

IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "mat-khau-thu-123"
_PASSWORD_HASH = security.hash_password(PASSWORD)  # hashing is slow on purpose: do it once
_seq = itertools.count(1)
# Live servers accept this monitoring token: /api/health shows its details (background role, pid) only to it.
MONITOR_TOKEN = "live-monitor-token"
MONITOR_HEADERS = {"Authorization": f"Bearer {MONITOR_TOKEN}"}


def need_service(name: str, reason: str):
    """Skip with a clear reason on a dev machine; fail loudly in CI where the service must exist."""
    if IN_CI:
        pytest.fail(f"{name} is required in CI but unavailable: {reason}")
    pytest.skip(f"{name} unavailable here ({reason}); CI runs this test")


def close_socket(client) -> None:
    """Disconnect a python-socketio client and end any reconnect loop it is running.

    ``disconnect()`` and ``shutdown()`` both can leave a loop behind: when a reconnect attempt's
    namespace reply comes late, its ``connect()`` times out while the Engine.IO connection stays
    up (``connected`` is False, ``eio.state`` is "connected"); the loop keeps retrying and the open
    transport starts a new loop when its server goes away. So: stop the loop, then close whatever
    transport is open."""
    task = client._reconnect_task
    if task is not None:
        client._reconnect_abort.set()
        task.join()
    if client.connected:
        client.disconnect()
    elif client.eio.state == "connected":
        client.eio.disconnect()


@pytest.fixture(autouse=True)
def no_reconnecting_socket_clients():
    """A socket.io client left reconnecting after its test keeps running in a thread and draws
    from the global ``random`` (reconnect jitter); hypothesis (schemathesis) then sees the global
    random state move under its strategies and fails an unrelated test. Tests close their clients
    with ``close_socket``; this fails the test that leaves one behind (and stops it)."""
    from socketio import base_client

    yield
    leaked = list(base_client.reconnecting_clients)
    for client in leaked:
        close_socket(client)
    assert not leaked, f"{len(leaked)} socket.io client(s) still reconnecting after the test: use close_socket()"


# --------------------------------------------------------------------------- databases


def _pg_admin():
    """An autocommit connection to the PostgreSQL server, or None."""
    import psycopg2

    try:
        conn = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        return None, str(exc).strip()
    conn.autocommit = True
    return conn, ""


@contextlib.contextmanager
def fresh_pg_database():
    """The URL of a fresh PostgreSQL database, dropped afterwards (skips, or fails in CI, without one)."""
    conn, error = _pg_admin()
    if conn is None:
        need_service("PostgreSQL", error)
    name = f"motcua_t_{uuid.uuid4().hex[:10]}"
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        if not models.db.is_closed():
            models.db.close()
        if hasattr(models.db.obj, "close_all"):
            models.db.obj.close_all()
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def redis_url():
    """The Redis server used for the Socket.IO message queue."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        need_service("Redis", str(exc))
    return REDIS_URL


@pytest.fixture
def sqlite_url(tmp_path):
    """A temporary SQLite file database."""
    return f"sqlite:///{tmp_path / 'motcua.db'}"


@pytest.fixture
def db_url(sqlite_url):
    """The database a test runs on (SQLite file by default; parametrised tests override)."""
    return sqlite_url


def make_app(db_url, tmp_path, **overrides):
    """An app bound to ``db_url`` with tables created."""
    config = {
        "DATABASE_URL": db_url,
        "ASYNC_MODE": "threading",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "BACKGROUND_TASKS": False,
        "PRINTER": "none",
        # Tests issue many tickets through one kiosk token; the kiosk rate limit has its own tests.
        "KIOSK_TICKETS_PER_MINUTE": 0,
    }
    config.update(overrides)
    app = server.create_app(config)
    migrations.upgrade()
    return app


@pytest.fixture
def app(db_url, tmp_path):
    """The Flask app on a fresh database; a connection is open for the test body."""
    application = make_app(db_url, tmp_path)
    with application.app_context(), models.connection():
        yield application
    if not models.db.is_closed():
        models.db.close()
    models.db.obj.close_all()  # pooled connections of this test's database


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


# --------------------------------------------------------------------------- factories


def make_office(**overrides) -> Office:
    """An office open every day, all day (tests about hours set their own)."""
    values = dict(name=f"UBND xã Thử Nghiệm {next(_seq)}", open_time="00:00", close_time="23:59",
                  cutoff_time="23:59", lunch_start="11:30", lunch_end="13:30",
                  working_days=[1, 2, 3, 4, 5, 6, 7], priority_ratio=2)
    values.update(overrides)
    return Office.create(**values)


def make_field(office, **overrides) -> Field:
    """A field numbered from ``number_start``."""
    n = next(_seq)
    values = dict(office=office, name=f"Lĩnh vực {n}", code=f"F{n}", number_start=1001, sort_order=n)
    values.update(overrides)
    return Field.create(**values)


def make_counter(office, fields=(), **overrides) -> Counter:
    """An open counter serving ``fields``."""
    values = dict(office=office, number=next(_seq), name="Quầy thử", state="open")
    values.update(overrides)
    counter = Counter.create(**values)
    for field in fields:
        CounterField.create(counter=counter, field=field)
    return counter


def make_user(office, role="clerk", counters=(), username=None, **overrides) -> User:
    """A user with PASSWORD, assigned to ``counters``."""
    values = dict(office=office, username=username or f"user{next(_seq)}", full_name="Nguyễn Văn Thử",
                  role=role, password_hash=_PASSWORD_HASH)
    values.update(overrides)
    user = User.create(**values)
    for counter in counters:
        UserCounter.create(user=user, counter=counter)
    return user


def make_device(office, kind="kiosk", counter=None, **overrides) -> tuple[Device, str]:
    """A device and its clear token."""
    token = security.new_device_token()
    values = dict(office=office, kind=kind, name=f"{kind} {next(_seq)}", counter=counter,
                  token_hash=security.hash_token(token))
    values.update(overrides)
    return Device.create(**values), token


def make_priority(office, code="cao_tuoi", name="Người cao tuổi") -> PriorityCategory:
    """A priority category."""
    return PriorityCategory.create(office=office, code=code, name=name)


def make_ticket(field, priority=None, now=None, **kwargs):
    """Issue a ticket through the queue rules; returns the Ticket."""
    return ticketing.issue_ticket(field.office_id, field.id, priority=priority, now=now, **kwargs).ticket


def seed_test_office() -> "Bag":
    """A simple office: two fields, two counters, a clerk per counter, a kiosk and a tablet."""
    o = make_office()
    f1 = make_field(o, name="Tư pháp - Hộ tịch", code="HT", number_start=1001)
    f2 = make_field(o, name="Chứng thực", code="CT", number_start=2001)
    c1 = make_counter(o, [f1, f2], number=1, name="Quầy 1")
    c2 = make_counter(o, [f1, f2], number=2, name="Quầy 2")
    clerk1 = make_user(o, "clerk", [c1], username="canbo1", full_name="Trần Thị Hoa")
    clerk2 = make_user(o, "clerk", [c2], username="canbo2", full_name="Lê Văn Bình")
    admin = make_user(o, "admin", username="admin1")
    leader = make_user(o, "leader", username="lanhdao1")
    kiosk, kiosk_token = make_device(o, "kiosk")
    display, display_token = make_device(o, "display")
    tablet1, tablet1_token = make_device(o, "tablet", counter=c1)
    prio = make_priority(o)
    return Bag(office=o, f1=f1, f2=f2, c1=c1, c2=c2, clerk1=clerk1, clerk2=clerk2, admin=admin, leader=leader,
               kiosk=kiosk, kiosk_token=kiosk_token, display=display, display_token=display_token,
               tablet1=tablet1, tablet1_token=tablet1_token, prio=prio)


@pytest.fixture
def office(app):
    """The standard test office in the app's database."""
    return seed_test_office()


class Bag(dict):
    """A dict whose keys read as attributes."""

    __getattr__ = dict.__getitem__


class ApiClient:
    """A test client that sends JSON and, once logged in, the CSRF header."""

    def __init__(self, client, device_token=None):
        """Wrap a Flask test client (optionally acting as a device)."""
        self.client = client
        self.csrf = ""
        self.device_token = device_token

    def login(self, username, password=PASSWORD):
        """Log in; keep the CSRF token."""
        response = self.client.post("/api/session", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        self.csrf = response.get_json()["csrf_token"]
        return self

    def _headers(self, headers):
        """Default headers: CSRF token and device token."""
        result = {"X-CSRF-Token": self.csrf}
        if self.device_token:
            result["X-Device-Token"] = self.device_token
        result.update(headers or {})
        return result

    def get(self, url, headers=None, **kw):
        """GET."""
        return self.client.get(url, headers=self._headers(headers), **kw)

    def post(self, url, json=None, headers=None, **kw):
        """POST JSON."""
        return self.client.post(url, json=json, headers=self._headers(headers), **kw)

    def delete(self, url, headers=None, **kw):
        """DELETE."""
        return self.client.delete(url, headers=self._headers(headers), **kw)


@pytest.fixture
def api(app):
    """Factory of API clients: api(username=...) logs in; api(device=token) acts as a device."""

    def factory(username=None, device=None):
        wrapper = ApiClient(app.test_client(), device_token=device)
        if username:
            wrapper.login(username)
        return wrapper

    return factory


# --------------------------------------------------------------------------- a real server


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real ``python server.py`` process (eventlet) on 127.0.0.1."""

    def __init__(self, db_url, instance_dir, env=None, port=None):
        """Prepare (not start) a server on ``db_url``."""
        self.db_url = db_url
        self.instance_dir = pathlib.Path(instance_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, DATABASE_URL=db_url, PORT=str(self.port), HOST="127.0.0.1",
                        INSTANCE_DIR=str(self.instance_dir), SECRET_KEY="live-secret", ASYNC_MODE="eventlet",
                        PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING", MONITOR_TOKEN=MONITOR_TOKEN,
                        KIOSK_TICKETS_PER_MINUTE="0")  # a day's load through one kiosk (limit tested alone)
        self.env.update(env or {})
        self.proc = None
        self.log_path = self.instance_dir / f"server-{self.port}.log"

    def start(self, args=("--no-demo",), timeout=20):
        """Start the process and wait until /api/health answers."""
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "server.py"), *args], cwd=ROOT, env=self.env,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")

    def stop(self, sig=signal.SIGTERM):
        """Stop the process (SIGKILL to simulate a crash)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()

    def session(self, username=None, device_token=None) -> requests.Session:
        """A requests session logged in as ``username`` or carrying a device token."""
        s = requests.Session()
        if device_token:
            s.headers["X-Device-Token"] = device_token
        if username:
            r = s.post(self.url + "/api/session", json={"username": username, "password": PASSWORD}, timeout=10)
            assert r.status_code == 200, r.text
            s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return s


@pytest.fixture
def live_server_factory(tmp_path):
    """Start real servers on demand; all are stopped at the end of the test."""
    started = []

    def factory(db_url=None, env=None, args=("--no-demo",), port=None):
        srv = LiveServer(db_url or f"sqlite:///{tmp_path / 'live.db'}", tmp_path / "instance", env, port)
        started.append(srv)
        return srv.start(args)

    yield factory
    for srv in started:
        srv.stop()


@pytest.fixture
def live_office(tmp_path):
    """Seed a fresh SQLite file with the standard test office (outside any app), for live servers."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    models.db.initialize(models.make_database(url))
    migrations.upgrade()
    with models.connection():
        bag = seed_test_office()
    return url, bag


# --------------------------------------------------------------------------- a real browser


@pytest.fixture(scope="session")
def chromium():
    """A real headless Chromium (Debian's package) driven by Playwright, one for the session."""
    if not os.path.exists(CHROMIUM):
        need_service("Chromium", f"{CHROMIUM} not installed (the test command installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--autoplay-policy=no-user-gesture-required"],
        )
        yield b
        b.close()


@pytest.fixture
def browser(chromium):
    """The session's Chromium; every context a test opened is closed after it. A page left open
    keeps its socket, timers and animations (a board's ticker) running through the rest of the
    suite, on the same two cores."""
    yield chromium
    for context in list(chromium.contexts):
        context.close()


def screenshot(page, name: str) -> pathlib.Path:
    """Write a full-page screenshot under tests/screenshots/ for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
