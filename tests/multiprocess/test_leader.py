"""Leader room tests: one holder of the background lock at a time (PostgreSQL, Redis, file), and
``background.lead`` runs tasks only while holding it, handing over when the holder dies."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg2
import pytest

import background
import leader
import models


@pytest.fixture
def db_url(pg_url):
    """These tests run the app on PostgreSQL."""
    return pg_url


def _kill_backend(pg_url, lock):
    """Terminate the lock's server-side session, as when its process dies."""
    pid = lock.conn.get_backend_pid()
    conn = psycopg2.connect(pg_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
    conn.close()


def test_postgres_lock_has_one_holder(app, pg_url):
    """A second process cannot take the advisory lock while the first holds it."""
    a, b = leader.PostgresLock(models.db.obj), leader.PostgresLock(models.db.obj)
    assert a.acquire() and a.held()
    assert not b.acquire()
    a.release()
    assert b.acquire()
    b.release()


def test_postgres_lock_freed_when_holder_connection_dies(app, pg_url):
    """PostgreSQL frees the lock as soon as the holder's session ends; the holder sees it lost."""
    a, b = leader.PostgresLock(models.db.obj), leader.PostgresLock(models.db.obj)
    assert a.acquire()
    _kill_backend(pg_url, a)
    assert not a.held()
    assert b.acquire()
    b.release()


def test_redis_lock_expires_when_holder_stops_renewing(redis_url):
    """A holder that dies stops renewing; after the expiry another takes the lock, and the old one knows."""
    key = f"motcua:test-leader:{uuid.uuid4().hex}"
    a, b = leader.RedisLock(redis_url, 0.5, key), leader.RedisLock(redis_url, 0.5, key)
    assert a.acquire() and a.held()
    assert not b.acquire()
    deadline = time.monotonic() + 3
    while not b.acquire():
        assert time.monotonic() < deadline, "lock never expired"
        time.sleep(0.05)
    assert not a.held()
    b.release()
    assert a.acquire()
    a.release()


def test_file_lock_has_one_holder(tmp_path):
    """flock: the second opener is refused until the first lets go."""
    a, b = leader.FileLock(tmp_path / "bg.lock"), leader.FileLock(tmp_path / "bg.lock")
    assert a.acquire()
    assert not b.acquire()
    a.release()
    assert b.acquire()
    b.release()


def test_tasks_run_once_and_move_to_the_survivor(app, pg_url):
    """Two leaders compete: the task runs in exactly one; when that one's lock dies, the other runs it."""
    app.config["LEADER_RETRY_S"] = 0.1
    running, lock_of = {}, {}
    stops = {name: threading.Event() for name in ("p1", "p2")}

    def make_task(name):
        """A task that marks itself running until told to stop."""
        def recorder(_app, stop):
            """Mark running while not stopped."""
            running[name] = True
            stop.wait()
            running[name] = False
        return recorder

    threads = []
    for name in ("p1", "p2"):
        lock_of[name] = leader.PostgresLock(models.db.obj)
        t = threading.Thread(target=background.lead, args=(app, stops[name], [make_task(name)], lock_of[name]))
        t.start()
        threads.append(t)
    deadline = time.monotonic() + 5
    while sum(running.values()) != 1:
        assert time.monotonic() < deadline, running
        time.sleep(0.05)
    first = next(n for n, r in running.items() if r)
    second = "p2" if first == "p1" else "p1"
    _kill_backend(pg_url, lock_of[first])
    deadline = time.monotonic() + 5
    while not (running.get(second) and not running.get(first)):
        assert time.monotonic() < deadline, running
        time.sleep(0.05)
    for stop in stops.values():
        stop.set()
    for t in threads:
        t.join(timeout=5)
    for lock in lock_of.values():
        lock.close()
    assert not any(running.values())
