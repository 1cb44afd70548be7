"""Leader room: background work runs exactly once across server processes.

Every process runs ``background.lead``; the one that holds the background lock is the leader and
runs every background task, the others retry every ``LEADER_RETRY_S`` seconds. Lock kinds
(``LEADER_LOCK``; ``auto`` picks postgres on PostgreSQL, file on SQLite):

- ``postgres``: a session-level advisory lock on a connection of its own. PostgreSQL releases it
  the moment that connection ends (process killed; a dead machine is noticed by TCP keepalive).
- ``redis``: ``SET key token NX PX ttl`` renewed every ttl/3; a killed holder's key expires after
  ``LEADER_TTL_S`` seconds.
- ``file``: ``flock`` on ``INSTANCE_DIR/background.lock``: several processes on one machine (SQLite).
- ``none``: always the leader (a single process that knows it is alone).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pathlib
import socket
import uuid

log = logging.getLogger(__name__)

# 64-bit key of the background advisory lock: the bytes "motcuaBG".
LOCK_KEY = int.from_bytes(b"motcuaBG", "big")
REDIS_KEY = "motcua:background-leader"


class PostgresLock:
    """A session-level advisory lock held on a dedicated connection (not a pooled one)."""

    kind = "postgres"

    def __init__(self, database):
        """Remember how to connect: the same parameters as the app's database."""
        self.params = dict(database.connect_params, dbname=database.database)
        self.conn = None

    def _connect(self):
        """A fresh autocommit connection named after this process (visible in pg_stat_activity)."""
        import psycopg2

        conn = psycopg2.connect(application_name=f"motcua-background-{os.getpid()}", connect_timeout=5,
                                keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
                                **self.params)
        conn.autocommit = True
        return conn

    def _query(self, sql, params=()):
        """Run one query on the lock connection; a broken connection is dropped and reads as False."""
        import psycopg2

        try:
            if self.conn is None or self.conn.closed:
                self.conn = self._connect()
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
                row = cur.fetchone()
            return bool(row and row[0])
        except psycopg2.Error as exc:
            log.warning("background lock connection lost: %s", exc)
            self.close()
            return False

    def acquire(self) -> bool:
        """Take the lock if nobody holds it."""
        return self._query("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))

    def held(self) -> bool:
        """True while this connection is alive and still holds the lock."""
        if self.conn is None:
            return False
        return self._query(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 1)",
            (LOCK_KEY >> 32, LOCK_KEY & 0xFFFFFFFF),
        )

    def release(self) -> None:
        """Let go (closing the connection releases it too)."""
        if self.conn is not None and not self.conn.closed:
            self._query("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        self.close()

    def close(self) -> None:
        """Close the lock connection."""
        if self.conn is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to keep
                self.conn.close()
        self.conn = None


# Renew only if the key still holds our token (another process may have taken it after expiry).
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class RedisLock:
    """A lock with expiry in Redis: the holder renews it; a dead holder's lock expires."""

    kind = "redis"

    def __init__(self, url: str, ttl_s: float, key: str = REDIS_KEY):
        """Connect lazily to ``url``; the lock lives ``ttl_s`` seconds unless renewed."""
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.ttl_ms = int(ttl_s * 1000)
        self.key = key
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self.owned = False

    def acquire(self) -> bool:
        """Take the lock if free (SET NX with expiry)."""
        import redis

        try:
            self.owned = bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        except redis.RedisError as exc:
            log.warning("background lock (redis) unavailable: %s", exc)
            self.owned = False
        return self.owned

    def held(self) -> bool:
        """Renew the expiry; False once another holder took over or Redis is unreachable."""
        import redis

        if not self.owned:
            return False
        try:
            self.owned = bool(self.client.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))
        except redis.RedisError:
            self.owned = False
        return self.owned

    def release(self) -> None:
        """Delete the key if it is still ours."""
        import redis

        with contextlib.suppress(redis.RedisError):  # unreachable: the key expires by itself
            self.client.eval(_RELEASE, 1, self.key, self.token)
        self.owned = False


class FileLock:
    """An exclusive ``flock`` on a file: the kernel drops it when the process ends."""

    kind = "file"

    def __init__(self, path):
        """Lock ``path`` (created if missing)."""
        self.path = pathlib.Path(path)
        self.fd = None

    def acquire(self) -> bool:
        """Take the lock without waiting."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return True

    def held(self) -> bool:
        """A flock stays held while the descriptor is open."""
        return self.fd is not None

    def release(self) -> None:
        """Unlock and close."""
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class NoLock:
    """Always the leader: for a process that is alone by construction."""

    kind = "none"

    def acquire(self) -> bool:
        """Always granted."""
        return True

    def held(self) -> bool:
        """Always held."""
        return True

    def release(self) -> None:
        """Nothing to release."""


def make_lock(config, database=None):
    """The background lock this deployment uses (see the module docstring)."""
    import models

    kind = config.get("LEADER_LOCK", "auto")
    database = database or models.db.obj
    if kind == "auto":
        kind = "file" if models.is_sqlite() else "postgres"
    if kind == "postgres":
        return PostgresLock(database)
    if kind == "redis":
        url = config.get("LEADER_REDIS_URL") or config.get("SOCKETIO_MESSAGE_QUEUE")
        if not url:
            raise ValueError("LEADER_LOCK=redis needs LEADER_REDIS_URL or SOCKETIO_MESSAGE_QUEUE")
        return RedisLock(url, float(config.get("LEADER_TTL_S", 15)))
    if kind == "file":
        return FileLock(pathlib.Path(config["INSTANCE_DIR"]) / "background.lock")
    if kind == "none":
        return NoLock()
    raise ValueError(f"Unknown LEADER_LOCK {kind!r}")
