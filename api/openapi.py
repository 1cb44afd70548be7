"""API room: the OpenAPI 3 document served at /api/openapi.json (kept beside the routes)."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "machine code, e.g. queue_empty"},
        "message": {"type": "string", "description": "Vietnamese text for people"},
    },
}

TICKET = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "number": {"type": "string", "example": "2001"},
        "field_id": {"type": "integer"},
        "field_name": {"type": "string"},
        "state": {"type": "string", "enum": ["waiting", "called", "serving", "done", "no_show", "cancelled"]},
        "priority": {"type": ["object", "null"]},
        "arrival_at": {"type": "string", "format": "date-time"},
        "counter_id": {"type": ["integer", "null"]},
        "counter_number": {"type": ["integer", "null"]},
        "recall_count": {"type": "integer"},
        "transferred": {"type": "boolean"},
    },
}

STATUS = {
    "type": "object",
    "properties": {
        "ticket": TICKET,
        "number": {"type": "string"},
        "state": {"type": "string"},
        "people_ahead": {"type": "integer"},
        "position": {"type": "integer"},
        "estimated_wait_s": {"type": "integer"},
        "counter_number": {"type": ["integer", "null"]},
        "public_token": {"type": "string", "description": "only in the issue response"},
        "status_url": {"type": "string", "description": "only in the issue response"},
    },
}


def _obj(required, **props):
    """A JSON object schema."""
    return {"type": "object", "required": list(required), "properties": props, "additionalProperties": True}


INT = {"type": "integer", "minimum": 1}
STR = {"type": "string"}

# (method, path, summary, who may call, request body schema or None, success status, success schema)
ROUTES = [
    ("post", "/api/session", "Log in (sets the session cookie)", "anyone",
     _obj(["username", "password"], username=STR, password=STR), 200, None),
    ("get", "/api/session", "Who is logged in; CSRF token", "person or device", None, 200, None),
    ("delete", "/api/session", "Log out (the session ends on the server)", "anyone", None, 200, None),
    ("delete", "/api/sessions", "Log out everywhere: every session of the caller ends", "person", None, 200, None),
    ("get", "/api/fields", "Fields with waiting count and estimated wait", "staff, kiosk, display, tablet", None, 200, None),
    ("get", "/api/procedures", "Public listing of procedures per field, reception schedule", "staff, devices", None, 200, None),
    ("get", "/api/priority-categories", "Priority categories offered at the kiosk", "staff, kiosk", None, 200, None),
    ("get", "/api/snapshot", "Whole live state of the office", "staff, devices", None, 200, None),
    ("post", "/api/tickets", "Issue a ticket", "kiosk device or staff",
     _obj(["field"], field=INT, priority={"type": "string", "description": "priority category code"},
          client_ref={"type": "string", "maxLength": 64, "description": "idempotency key per kiosk"}),
     201, STATUS),
    ("get", "/api/tickets", "Today's tickets (filters: state, field)", "staff", None, 200, None),
    ("get", "/api/tickets/{ticket_id}", "One ticket with its event history", "staff", None, 200, None),
    ("get", "/api/tickets/status/{token}", "Public ticket status for the citizen's phone", "anyone with the token", None, 200, STATUS),
    ("post", "/api/tickets/status/{token}/rating", "Rate a finished ticket from the phone", "anyone with the token",
     _obj(["level"], level=INT, reasons={"type": "array", "items": STR}, comment=STR), 201, None),
    *[
        ("post", f"/api/tickets/{{ticket_id}}/{action}", f"Ticket action: {action}", "clerk, leader, admin", None, 200, None)
        for action in ("recall", "start", "finish", "no-show", "cancel", "reactivate")
    ],
    ("post", "/api/tickets/{ticket_id}/transfer", "Transfer to another field and/or a named counter", "clerk, leader, admin",
     _obj([], field=INT, counter=INT, note=STR), 200, None),
    ("get", "/api/counters", "Counters with state and current ticket", "staff, devices", None, 200, None),
    ("post", "/api/counters/{counter_id}/call-next", "Call the next ticket (409 queue_empty)", "clerk assigned to the counter", None, 200, None),
    ("post", "/api/counters/{counter_id}/call", "Call a chosen waiting ticket", "clerk assigned to the counter",
     _obj(["ticket"], ticket=INT), 200, None),
    ("post", "/api/counters/{counter_id}/pause", "Pause with a reason", "clerk assigned to the counter",
     _obj(["reason"], reason=STR), 200, None),
    *[
        ("post", f"/api/counters/{{counter_id}}/{action}", f"Counter: {action}", "clerk assigned to the counter", None, 200, None)
        for action in ("resume", "open", "close")
    ],
    ("post", "/api/ratings", "Store a rating of the ticket just finished at the tablet's counter", "tablet device",
     _obj(["ticket", "level"], ticket=INT, level=INT, reasons={"type": "array", "items": STR}, comment=STR), 201, None),
    ("get", "/api/openapi.json", "This document", "anyone", None, 200, None),
    ("get", "/api/health", "Liveness check", "anyone", None, 200, None),
]

EXTRA_ROUTES: list[tuple] = []  # other rooms append their /api routes here (same tuple shape)


def register(*routes) -> None:
    """Let another room document its /api routes in the same document."""
    EXTRA_ROUTES.extend(routes)


def _parameters(path: str) -> list[dict]:
    """Path parameters of a templated path."""
    params = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            # Ids are integers; anything else (a token, a voice clip key) is a string.
            schema = {"type": "integer"} if name.endswith("_id") else {"type": "string"}
            params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def openapi_document() -> dict:
    """Build the OpenAPI 3.1 document."""
    paths: dict = {}
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for method, path, summary, who, body, status, schema in ROUTES + EXTRA_ROUTES:
        operation = {
            "summary": summary,
            "description": f"Who may call: {who}.",
            "parameters": _parameters(path),
            "responses": {
                str(status): {"description": "OK", "content": {"application/json": {"schema": schema or {"type": "object"}}}},
                "400": {"description": "Malformed body", "content": error_ref},
                "401": {"description": "Not logged in / no device token", "content": error_ref},
                "403": {"description": "Wrong role, device or office; CSRF", "content": error_ref},
                "404": {"description": "Not found", "content": error_ref},
                "409": {"description": "Wrong state (queue_empty, invalid_state, ...)", "content": error_ref},
                "422": {"description": "Invalid value", "content": error_ref},
            },
        }
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "motcua API", "version": "1.0.0",
                 "description": "Queue and citizen-satisfaction system for one-stop offices. See docs/API.md."},
        "components": {
            "schemas": {"Error": ERROR, "Ticket": TICKET},
            "securitySchemes": {
                "device": {"type": "apiKey", "in": "header", "name": "X-Device-Token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "paths": paths,
    }
