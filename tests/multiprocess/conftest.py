"""Fixtures of the beyond-one-box tests: an office seeded in PostgreSQL and two server processes
sharing it and a Redis channel of their own."""

from __future__ import annotations

import uuid

import pytest

import migrations
import models
from tests.conftest import seed_test_office


@pytest.fixture
def shared_office(pg_url):
    """The standard test office seeded in the PostgreSQL database the servers use."""
    models.db.initialize(models.make_database(pg_url))
    migrations.upgrade()
    with models.connection():
        bag = seed_test_office()
    models.db.obj.close_all()
    return bag


@pytest.fixture
def two_servers(pg_url, redis_url, shared_office, live_server_factory):
    """Processes A and B on one PostgreSQL database and one Redis channel."""
    env = {"SOCKETIO_MESSAGE_QUEUE": redis_url, "SOCKETIO_CHANNEL": f"motcua-test-{uuid.uuid4().hex[:8]}",
           "LEADER_RETRY_S": "0.5"}
    a = live_server_factory(db_url=pg_url, env=env)
    b = live_server_factory(db_url=pg_url, env=env)
    return a, b
