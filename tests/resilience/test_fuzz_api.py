"""Hostile input: schemathesis generates requests for every operation in /api/openapi.json and
sends each as anonymous, kiosk, tablet and a logged-in admin: never a 500, and every error has
the documented JSON shape {"error", "message"}."""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from schemathesis.core import NotSet

import server
from api.openapi import openapi_document
from conftest import PASSWORD, make_ticket

server.import_rooms()  # rooms document their routes at import; the last test checks it is all

schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture
def callers(app, office):
    """(name, werkzeug client, headers) for each kind of caller."""
    make_ticket(office.f1)
    admin = app.test_client()
    csrf = admin.post("/api/session", json={"username": "admin1", "password": PASSWORD}).get_json()["csrf_token"]
    return [
        ("anonymous", app.test_client(), {}),
        ("kiosk", app.test_client(), {"X-Device-Token": office.kiosk_token}),
        ("tablet", app.test_client(), {"X-Device-Token": office.tablet1_token}),
        ("admin", admin, {"X-CSRF-Token": csrf}),
    ]


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_500_and_errors_have_the_documented_shape(case, callers):
    if case.path in ("/api/session", "/api/sessions") and case.method.upper() == "DELETE":
        callers = [c for c in callers if c[0] != "admin"]  # keep the admin logged in for later cases
    for name, session, headers in callers:
        client = session
        kwargs = {"headers": {**(case.headers or {}), **headers}, "query_string": case.query}
        if isinstance(case.body, (bytes, str)):
            kwargs["data"] = case.body
            kwargs["content_type"] = case.media_type or "application/octet-stream"
        elif not isinstance(case.body, NotSet):
            kwargs["data"] = json.dumps(case.body)
            kwargs["content_type"] = "application/json"
        response = client.open(case.formatted_path, method=case.method.upper(), **kwargs)
        assert response.status_code < 500, (name, case.method, case.formatted_path, response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            body = response.get_json(silent=True) or {}
            assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str), (name, body)


def test_fuzzed_document_is_the_served_one(client):
    assert client.get("/api/openapi.json").get_json() == json.loads(json.dumps(openapi_document()))
