"""Errors room: every refusal the application answers with a 4xx JSON error.

A ``DomainError`` carries an error code, an HTTP status and a Vietnamese message; the one error
handler in server.py turns it into ``{"error": code, "message": ...}``. The queue rules
(ticketing), security, the API and the admin raise these; none of them owns them.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal by the queue rules; carries an error code, HTTP status and Vietnamese text."""

    code = "domain_error"
    status = 409

    def __init__(self, message: str, code: str | None = None, status: int | None = None, **extra):
        """Keep the message, optional code/status overrides and extra fields for the client."""
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra


class NotFound(DomainError):
    """The thing asked for does not exist (in this office)."""

    code, status = "not_found", 404


class Invalid(DomainError):
    """Input that breaks a rule of its own (wrong value, out of range)."""

    code, status = "invalid", 422


class InvalidState(DomainError):
    """The ticket or counter is not in a state that allows this action."""

    code, status = "invalid_state", 409


class QueueEmpty(DomainError):
    """No ticket waits for this counter."""

    code, status = "queue_empty", 409


class OfficeClosed(DomainError):
    """Tickets are not issued now (hours, cut-off, holiday, closed field, cap)."""

    code, status = "office_closed", 409


class CapReached(DomainError):
    """The field has issued its daily number of tickets."""

    code, status = "daily_cap_reached", 409


class RatingRefused(DomainError):
    """A rating that the rules do not accept (not this counter, late, twice)."""

    code, status = "rating_refused", 409


class Unauthorized(DomainError):
    """No valid identity: log in, or pair the device."""

    code, status = "unauthorized", 401


class Forbidden(DomainError):
    """Identified, but this role or device may not do this."""

    code, status = "forbidden", 403
