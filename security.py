"""Security room: who is asking (person by session, device by token, citizen by ticket), what they
may touch, and the limits that keep one caller from hurting the office (docs/SECURITY.md).

- People: ``login`` opens a server-side session (a ``StaffSession`` row; the signed cookie holds
  only its random key), so logout, "log out everywhere", a new password, deactivation and the idle
  timeout end it for real. ``load_identity`` resolves the caller once per request onto ``flask.g``.
- Login throttling: growing delays per account+address, per address and per account, never a hard
  lock; a browser the account logged in from before keeps its own allowance, so nobody can keep
  the rightful user out. Unknown and known usernames get the same answers in about the same time.
- Devices: hashed tokens (header or pairing cookie); a kiosk's issue rate is limited.
- What a person may do: ``require`` (roles, device kinds: rules.access), ``check_counter_access``
  and ``check_ticket_access`` (a clerk: their counters and the fields those serve).
- Sockets: ``socket_identity`` / ``socket_still_valid`` for the handlers, ``origin_checker`` for
  the handshake. Ending an identity sends ``identity_ended``, a kiosk over its limit
  ``device_over_limit``: realtime listens (it imports this module, never the reverse) and
  disconnects the identity's sockets in every process, or alerts the monitor.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from blinker import Namespace
from flask import after_this_request, current_app, g, request, session
from itsdangerous import BadSignature, URLSafeSerializer
from peewee import Case
from werkzeug.security import check_password_hash, generate_password_hash

import models
import statements
from errors import DomainError, Forbidden, Unauthorized
from models import Counter, Device, StaffSession, Throttle, Ticket, User, utcnow
from rules import access

DEVICE_HEADER = "X-Device-Token"
DEVICE_COOKIE = "motcua_device"
CSRF_HEADER = "X-CSRF-Token"
# A browser an account logged in from before (signed list of user ids + a random name for the browser).
KNOWN_BROWSER_COOKIE = "motcua_known"
KNOWN_BROWSER_USERS = 8  # a shared counter PC: the last few people who logged in on it

# Login throttles: kind -> (failures allowed free, first delay in s, longest delay in s). Each further
# failure doubles the delay; attempts made during a delay are refused without being counted.
LOGIN_LIMITS = {
    "pair": (5, 5, 300),      # one account from one address (a person mistyping, a guesser)
    "source": (20, 5, 300),   # one address, whatever the accounts (spraying many usernames)
    "account": (10, 5, 60),   # one account from browsers it never logged in from (many addresses)
    "browser": (5, 5, 300),   # one account from a browser it logged in from before
}
FORGET_FAILURES_S = 3600  # an hour without a failure forgets the failures
ISSUE_WINDOW_S = 60
ALERT_EVERY_S = 600  # a device still over its limit is reported again after this long
TOUCH_EVERY_S = 60  # last-seen times are written at most this often (no write per request)

_signals = Namespace()
# Sent after the change is stored; realtime connects to them (this module does not import realtime).
identity_ended = _signals.signal("identity-ended")  # sender: "session" | "user" | "device"; ident=id
device_over_limit = _signals.signal("device-over-limit")  # sender: the Device; limit=tickets a minute


# --------------------------------------------------------------------------- tokens and hashes


def hash_token(token: str) -> str:
    """SHA-256 of a device token or session key: both are stored only hashed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_device_token() -> str:
    """A fresh device token (shown once, at pairing)."""
    return secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return generate_password_hash(password)


@functools.cache
def _dummy_hash() -> str:
    """A hash of no one's password, checked for unknown usernames so they cost what known ones cost."""
    return generate_password_hash(secrets.token_urlsafe(16))


def client_address() -> str:
    """The caller's address; behind TRUSTED_PROXIES reverse proxies, the one they saw."""
    hops = int(current_app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return (request.remote_addr or "")[:64]


# --------------------------------------------------------------------------- devices


def device_from_token(token: str | None) -> Device | None:
    """The active device with this token, if any."""
    if not token:
        return None
    return statements.one("device_by_token", token_hash=hash_token(token))


def _touch(device: Device) -> None:
    """Record when a device was last seen, at most once a minute (avoid a write per request)."""
    now = utcnow()
    if device.last_seen is None or (now - device.last_seen).total_seconds() > TOUCH_EVERY_S:
        Device.update(last_seen=now).where(Device.id == device.id).execute()
        device.last_seen = now


def device_revoked(device_id: int) -> None:
    """A device was revoked or given a new token: its open sockets close now, in every process."""
    _disconnect("device", device_id)


# --------------------------------------------------------------------------- sessions


def _fingerprint(user: User) -> str:
    """Which password a session was opened with (a new password ends the session)."""
    return user.password_hash[-12:]


def idle_limit() -> dt.timedelta:
    """How long a staff session may go unused (SESSION_IDLE_MINUTES)."""
    return dt.timedelta(minutes=float(current_app.config.get("SESSION_IDLE_MINUTES") or 480))


def session_user(cookie, touch: bool = True) -> tuple[User, StaffSession] | None:
    """The person and session row behind a signed session ``cookie`` (Flask's, or a socket's copy).

    None when the row is unknown or ended, the person is deactivated, the password changed or the
    session sat idle too long; those last three end the row as they are found.
    """
    key, uid = cookie.get("sk"), cookie.get("uid")
    if not isinstance(key, str) or not isinstance(uid, int):
        return None
    row = statements.one("staff_session_by_key", key_hash=hash_token(key), user_id=uid)
    if row is None or row.ended_at is not None:
        return None
    user = models.fetch_by_id(User, uid)
    if user is None:
        return None
    row.user, now = user, utcnow()
    why = ("account" if not user.active else "password" if row.password_fp != _fingerprint(user)
           else "idle" if now - row.last_seen > idle_limit() else "")
    if why:
        _end(StaffSession.id == row.id, why)
        return None
    if touch and (now - row.last_seen).total_seconds() > TOUCH_EVERY_S:
        StaffSession.update(last_seen=now).where(StaffSession.id == row.id).execute()
    return user, row


def load_identity() -> None:
    """Resolve the person and/or device behind this request onto ``g``."""
    g.user = None
    g.device = None
    g.staff_session = None
    g.auth_via_cookie = False
    token = request.headers.get(DEVICE_HEADER)
    if not token:
        token = request.cookies.get(DEVICE_COOKIE)
        g.auth_via_cookie = bool(token)
    if token:
        g.device = device_from_token(token)
        if g.device is not None:
            _touch(g.device)
    if "sk" in session or "uid" in session:
        found = session_user(session)
        if found is not None:
            g.user, g.staff_session = found
            g.auth_via_cookie = True
        else:
            for name in ("uid", "sk"):
                session.pop(name, None)


SESSION_ROWS_KEPT_DAYS = 90  # ended sessions stay this long for the record, then go


def _start_session(user: User) -> None:
    """Open a session row for ``user`` and put its key in a fresh cookie (ending this browser's
    previous session, whose key the new cookie replaces)."""
    previous = g.get("staff_session")
    if previous is not None:
        _end(StaffSession.id == previous.id, "logout")
    StaffSession.delete().where(
        StaffSession.ended_at < utcnow() - dt.timedelta(days=SESSION_ROWS_KEPT_DAYS)).execute()
    key = secrets.token_urlsafe(32)
    row = StaffSession.create(user=user.id, key_hash=hash_token(key), password_fp=_fingerprint(user),
                              source=client_address())
    session.clear()
    session["uid"] = user.id
    session["sk"] = key
    session.permanent = True
    csrf_token()
    g.user, g.staff_session = user, row


def _end(condition, why: str) -> list[int]:
    """End the open sessions matching ``condition``; returns their ids."""
    ids = [s.id for s in StaffSession.select(StaffSession.id).where(condition & StaffSession.ended_at.is_null())]
    if ids:
        (StaffSession.update(ended_at=utcnow(), ended_why=why)
         .where(StaffSession.id.in_(ids) & StaffSession.ended_at.is_null())
         .execute())
    return ids


def _disconnect(kind: str, ident) -> None:
    """Close one identity's open sockets in every process (after the change is committed)."""
    identity_ended.send(kind, ident=ident)


def logout() -> None:
    """End this session for real (its cookie is refused from now on) and close its sockets."""
    row = g.get("staff_session")
    session.clear()
    if row is not None:
        _end(StaffSession.id == row.id, "logout")
        _disconnect("session", row.id)


def end_sessions(user_id: int, why: str, keep_current: bool = False) -> int:
    """End every session of a person (log out everywhere, new password, deactivated) and close
    their sockets; ``keep_current`` spares the caller's own session (an admin changing their own
    password stays logged in here). Returns how many ended."""
    current = g.get("staff_session")
    condition = StaffSession.user == user_id
    if keep_current and current is not None and current.user_id == user_id:
        condition &= StaffSession.id != current.id
        if why == "password":  # the caller's own row follows the new password
            user = models.fetch_by_id(User, user_id)
            StaffSession.update(password_fp=_fingerprint(user)).where(StaffSession.id == current.id).execute()
    ended = _end(condition, why)
    for session_id in ended:
        _disconnect("session", session_id)
    if not keep_current:
        _disconnect("user", user_id)
    return len(ended)


def account_changed(user_id: int) -> None:
    """A person's role or active flag changed: their sockets reconnect into the right room (or not
    at all); a deactivated person's sessions end."""
    user = models.fetch_by_id(User, user_id)
    if user is not None and not user.active:
        _end(StaffSession.user == user_id, "account")
    _disconnect("user", user_id)


def current_office_id() -> int | None:
    """The office of the caller (user's or device's)."""
    if g.get("user") is not None and g.user.office_id:
        return g.user.office_id
    if g.get("device") is not None:
        return g.device.office_id
    return None


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    """Cookie-authenticated writes must echo the session's CSRF token in a header."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not g.get("auth_via_cookie"):
        return
    sent = request.headers.get(CSRF_HEADER, "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("Phiên làm việc đã hết hạn, hãy tải lại trang (CSRF).", code="csrf_failed")


def require(roles=(), devices=()):
    """Allow people with one of ``roles`` or devices of one of ``devices`` kinds."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user, device = g.get("user"), g.get("device")
            if user is None and device is None:
                raise Unauthorized("Vui lòng đăng nhập hoặc ghép nối thiết bị.")
            if user is not None and user.role in roles:
                return view(*args, **kwargs)
            if device is not None and device.kind in devices:
                return view(*args, **kwargs)
            raise Forbidden("Bạn không có quyền thực hiện thao tác này.")

        return wrapped

    return decorator


# --------------------------------------------------------------------------- throttles


def _key(kind: str, *parts) -> str:
    """The Throttle row's key: keyed with the app's secret, so no username or address is stored."""
    text = "\x1f".join([kind, *map(str, parts)])
    return hmac.new(current_app.secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def _count(key: str, now: dt.datetime, restart_before: dt.datetime, move_start: bool) -> tuple[int, dt.datetime]:
    """Add one to a throttle's count in one atomic statement (every process shares the row).

    The count restarts at 1 when its ``window_start`` is older than ``restart_before``;
    ``move_start`` sets ``window_start`` to now on every count (login: time of the last failure),
    otherwise only on a restart (a fixed window). Returns (count, window_start).
    """
    stale = Throttle.window_start < restart_before
    start = now if move_start else Case(None, [(stale, now)], Throttle.window_start)
    query = (
        Throttle.insert(key=key, count=1, window_start=now)
        .on_conflict(conflict_target=[Throttle.key],
                     update={Throttle.count: Case(None, [(stale, 1)], Throttle.count + 1), Throttle.window_start: start})
        .returning(Throttle.count, Throttle.window_start)
        .tuples()
    )
    count, started = list(query.execute())[0]  # read to the end: SQLite keeps its write lock until then
    return count, started


def _delay_s(kind: str, failures: int) -> int:
    """Seconds to wait after ``failures`` failures of this kind (0 while within the free ones)."""
    free, first, longest = LOGIN_LIMITS[kind]
    if failures < free:
        return 0
    return int(min(first * 2 ** (failures - free), longest))


def _wait_s(keys: list[str], now: dt.datetime) -> int:
    """The longest delay still running among these throttles (0: go ahead)."""
    rows = (Throttle.select(Throttle.blocked_until, Throttle.window_start)
            .where(Throttle.key.in_(keys) & Throttle.blocked_until.is_null(False))
            .tuples())
    forget = now - dt.timedelta(seconds=FORGET_FAILURES_S)
    waits = [(until - now).total_seconds() for until, last in rows if until > now and last >= forget]
    return int(max(waits) + 0.999) if waits else 0


def _known_browser() -> tuple[str, list[int]] | None:
    """(browser name, user ids) from the known-browser cookie, when it is ours and unaltered."""
    raw = request.cookies.get(KNOWN_BROWSER_COOKIE)
    if not raw:
        return None
    try:
        data = URLSafeSerializer(current_app.secret_key, salt="known-browser").loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str) or not isinstance(data.get("u"), list):
        return None
    return data["n"], [u for u in data["u"] if isinstance(u, int)]


def _remember_browser(user_id: int, known) -> None:
    """After a good login, this browser is known to the account (a year-long signed cookie)."""
    name, ids = known or (secrets.token_urlsafe(12), [])
    ids = [user_id, *[u for u in ids if u != user_id]][:KNOWN_BROWSER_USERS]
    value = URLSafeSerializer(current_app.secret_key, salt="known-browser").dumps({"n": name, "u": ids})

    @after_this_request
    def _set(response):
        response.set_cookie(KNOWN_BROWSER_COOKIE, value, max_age=365 * 86400, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
        return response


def login(username: str, password: str) -> User:
    """Check credentials under the login throttles; start a server-side session.

    Every path costs one password hash check and the same queries, and the answers depend only on
    the username as typed, never on whether it exists.
    """
    now, source = utcnow(), client_address()
    name = username.strip().lower()
    user = User.get_or_none(User.username == name)
    known = _known_browser()
    trusted = known is not None and user is not None and user.id in known[1]
    keys = {"pair": _key("pair", name, source), "source": _key("source", source), "account": _key("account", name)}
    if known is not None:
        keys["browser"] = _key("browser", known[0], name)
    # A known browser answers only for its own failures: an attacker elsewhere cannot delay it.
    checked = [keys["browser"]] if trusted else [keys["pair"], keys["source"], keys["account"]]
    wait = _wait_s(checked, now)
    if wait:
        raise DomainError(f"Đăng nhập sai quá nhiều lần. Xin thử lại sau {wait} giây.", code="too_many_attempts",
                          status=429, retry_after_s=wait)
    good = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password)
    if user is None or not user.active or not good:
        forget = now - dt.timedelta(seconds=FORGET_FAILURES_S)
        for kind, key in keys.items():
            if kind == "account" and trusted:
                continue  # the rightful browser's typos do not slow the account down for others
            failures, _ = _count(key, now, forget, move_start=True)
            delay = _delay_s(kind, failures)
            if delay:
                Throttle.update(blocked_until=now + dt.timedelta(seconds=delay)).where(Throttle.key == key).execute()
        # Forgotten rows of every kind go (a day old: nothing can still be counting on them).
        Throttle.delete().where(Throttle.window_start < now - dt.timedelta(days=1)).execute()
        raise Unauthorized("Sai tên đăng nhập hoặc mật khẩu.", code="bad_credentials")
    Throttle.delete().where(Throttle.key.in_([keys["pair"], keys.get("browser", keys["pair"])])).execute()
    _start_session(user)
    _remember_browser(user.id, known)
    return user


def login_delayed(username: str) -> bool:
    """True while logins to this account from unknown browsers must wait (the admin's users page)."""
    now = utcnow()
    return _wait_s([_key("account", username.strip().lower())], now) > 0


def clear_login_delays(username: str) -> None:
    """Lift the account's own delay (an admin set a new password)."""
    Throttle.delete().where(Throttle.key == _key("account", username.strip().lower())).execute()


def check_issue_rate(device: Device) -> None:
    """A kiosk issues at most KIOSK_TICKETS_PER_MINUTE tickets a minute (429 beyond); the first
    refusal raises an alert on the monitor (again only after ALERT_EVERY_S)."""
    limit = int(current_app.config.get("KIOSK_TICKETS_PER_MINUTE") or 0)
    if limit <= 0:
        return
    now = utcnow()
    key = _key("issue", device.id)
    count, started = _count(key, now, now - dt.timedelta(seconds=ISSUE_WINDOW_S), move_start=False)
    if count <= limit:
        return
    alert_due = (Throttle.update(alerted_at=now)
                 .where((Throttle.key == key)
                        & (Throttle.alerted_at.is_null() | (Throttle.alerted_at < now - dt.timedelta(seconds=ALERT_EVERY_S))))
                 .execute())
    if alert_due:
        device_over_limit.send(device, limit=limit)
    wait = max(1, int(ISSUE_WINDOW_S - (now - started).total_seconds() + 0.999))
    raise DomainError(f"Máy lấy số đang cấp số quá nhanh. Xin chờ {wait} giây rồi thử lại.",
                      code="too_many_tickets", status=429, retry_after_s=wait)


# --------------------------------------------------------------------------- what a person may touch


def _assigned(user: User) -> tuple[set[int], set[int]]:
    """(counter ids, field ids those counters serve) of a person assigned to counters: one query."""
    rows = statements.rows("user_counters_and_fields", user_id=user.id)
    counters, fields = set(), set()
    for counter_id, field_id in rows:
        counters.add(counter_id)
        if field_id is not None:
            fields.add(field_id)
    return counters, fields


def can_use_counter(user: User | None, counter: Counter) -> bool:
    """Who works at any counter of the office may (rules.access); the others only where assigned."""
    if user is None or user.office_id != counter.office_id:
        return False
    if access.may(user, access.ANY_COUNTER):
        return True
    return statements.scalar("user_counter_exists", user_id=user.id, counter_id=counter.id) is not None


def check_counter_access(counter: Counter) -> None:
    """Raise unless the caller may act for this counter."""
    if not can_use_counter(g.get("user"), counter):
        raise Forbidden("Bạn không được phân công quầy này.")


def may_act_on_ticket(user: User | None, ticket: Ticket, counter: Counter | None = None) -> bool:
    """The one rule for every ticket action (call, recall, start, finish, no-show, cancel, reactivate,
    transfer, reprint). Leaders and admins: any ticket of their office. A clerk: a ticket at one of
    their counters; one not at a counter if it is sent to one of their counters, or sent nowhere and
    of a field their counters serve. ``counter``: the counter a chosen ticket is called to, which a
    ticket sent to another counter does not go to."""
    if user is None or user.office_id != ticket.office_id:
        return False
    if access.may(user, access.ANY_TICKET):
        return True
    if ticket.counter_id is not None:
        return statements.scalar("user_counter_exists", user_id=user.id, counter_id=ticket.counter_id) is not None
    counters, fields = _assigned(user)
    if ticket.target_counter_id is not None:
        return ticket.target_counter_id in counters and (counter is None or ticket.target_counter_id == counter.id)
    return ticket.field_id in fields


def check_ticket_access(ticket: Ticket, counter: Counter | None = None) -> None:
    """Raise unless the caller may act on this ticket (``may_act_on_ticket``)."""
    if not may_act_on_ticket(g.get("user"), ticket, counter):
        raise Forbidden(f"Số {ticket.display_number} không thuộc quầy hoặc lĩnh vực bạn được phân công.")


# --------------------------------------------------------------------------- sockets


def open_ticket_of_today(token) -> Ticket | None:
    """The ticket a public token opens a socket for: its own, still open, of today."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        return None
    ticket = Ticket.get_or_none(Ticket.public_token == token)
    if ticket is None or ticket.state not in models.OPEN_STATES:
        return None
    import ticketing

    if ticket.day != ticketing.business_day(ticketing.get_office(ticket.office_id)):
        return None
    return ticket


def socket_identity(auth, cookie) -> tuple[str, object, list] | None:
    """Who a connecting socket speaks for: ("user", User, who) | ("device", Device, who) |
    ("ticket", Ticket, who); ``who`` names the identity for later checks and disconnection."""
    auth = auth if isinstance(auth, dict) else {}
    found = session_user(cookie, touch=False)
    if found is not None:
        user, row = found
        return "user", user, ["session", row.id, user.id]
    token = auth.get("device_token") or request.cookies.get(DEVICE_COOKIE)
    device = device_from_token(token) if isinstance(token, str) else None
    if device is not None:
        return "device", device, ["device", device.id, device.token_hash]
    ticket = open_ticket_of_today(auth.get("ticket"))
    if ticket is not None:
        return "ticket", ticket, ["ticket", ticket.id]
    return None


def socket_still_valid(who, cookie) -> bool:
    """True while the identity a socket connected with still holds (checked by every handler that acts)."""
    if not isinstance(who, list) or not who:
        return False
    if who[0] == "session":
        found = session_user(cookie, touch=False)
        return found is not None and found[1].id == who[1]
    if who[0] == "device":
        return (Device.select().where((Device.id == who[1]) & (Device.token_hash == who[2])
                                      & Device.revoked_at.is_null()).exists())
    if who[0] == "ticket":
        ticket = models.fetch_by_id(Ticket, who[1])
        return ticket is not None and open_ticket_of_today(ticket.public_token) is not None
    return False


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL, as a browser sends it in Origin."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def origin_checker(config):
    """The Socket.IO handshake's Origin check: the host the browser reached (as a proxy forwarded
    it), PUBLIC_BASE_URL, and SOCKETIO_ALLOWED_ORIGINS. No Origin (not a browser) passes."""

    def allowed(origin, environ=None) -> bool:
        """True when a handshake from ``origin`` may go on (the settings are read each time: the
        first-run setup sets PUBLIC_BASE_URL while serving)."""
        if not origin:
            return True
        origin = origin.lower()
        configured = [config.get("PUBLIC_BASE_URL") or "", *(config.get("SOCKETIO_ALLOWED_ORIGINS") or ())]
        if origin in {_origin(url) for url in configured}:
            return True
        environ = environ or {}
        host = environ.get("HTTP_HOST", "")
        scheme = environ.get("wsgi.url_scheme", "http")
        own = {f"{scheme}://{host}".lower()}
        if "HTTP_X_FORWARDED_HOST" in environ or "HTTP_X_FORWARDED_PROTO" in environ:
            fwd_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
            fwd_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
            own.add(f"{fwd_scheme}://{fwd_host}".lower())
        return origin in own

    return allowed
