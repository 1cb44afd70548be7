"""Data room: peewee models, the database proxy, connection handling and query scopes.

No Flask import here. Every row belongs to an office so one server can host many offices.
Datetimes are stored as naive UTC; business days (``Ticket.day``) are local dates of the office.
The hot SQL lives in statements.py: this module hands it the database and the models
(``statements.use``) and re-exports its ``fetch_by_id``, ``write_transaction`` and ``is_sqlite``.
Schema upgrades are migrations.py's (``migrations.upgrade()``); this module does not import it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
from urllib.parse import parse_qs, urlparse

from peewee import DateTimeField as _PeeweeDateTimeField
from peewee import (
    BooleanField,
    CharField,
    Check,
    DatabaseProxy,
    DateField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    BlobField,
)

import statements
from statements import fetch_by_id, is_sqlite, write_transaction  # noqa: F401 - their home is statements

db = DatabaseProxy()

SCHEMA_VERSION = 7  # each step above 1 is in migrations.py

TICKET_STATES = ("waiting", "called", "serving", "done", "no_show", "cancelled")
OPEN_STATES = ("waiting", "called", "serving")
DEVICE_KINDS = ("kiosk", "display", "tablet")
COUNTER_STATES = ("open", "paused", "closed")


def utcnow() -> dt.datetime:
    """Return the current time as naive UTC, the form stored in the database."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def new_token(nbytes: int = 24) -> str:
    """Return an unguessable URL-safe token."""
    return secrets.token_urlsafe(nbytes)


class DateTimeField(_PeeweeDateTimeField):
    """peewee's DateTimeField, reading SQLite's text with ``fromisoformat`` (C) before strptime.

    A ticket row holds six datetimes and peewee tries its formats through ``strptime`` one by
    one: on the call path that was a tenth of the time. Values it cannot read go to peewee.
    """

    def python_value(self, value):
        """Parse ISO text quickly; anything else as peewee does."""
        if value and isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value)
            except ValueError:
                pass
        return super().python_value(value)


class JSONField(TextField):
    """A text column holding JSON."""

    def db_value(self, value):
        """Encode to JSON text."""
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        """Decode from JSON text."""
        return None if value is None else json.loads(value)


class BaseModel(Model):
    """Base for every table."""

    class Meta:
        database = db
        legacy_table_names = False


class OfficeList:
    """Rows an office lists in its own order (``office``, ``sort_order`` and ``active`` columns)."""

    @classmethod
    def for_office(cls, office_id, active_only=False):
        """The office's rows in display order (sort_order, then id); only active ones if asked."""
        query = cls.select().where(cls.office == office_id)
        if active_only:
            query = query.where(cls.active == True)  # noqa: E712
        return query.order_by(cls.sort_order, cls.id)


class Office(BaseModel):
    """An office (đơn vị): UBND xã / Trung tâm Phục vụ hành chính công, with its settings."""

    name = CharField(max_length=200)
    # Administrative unit code (mã đơn vị): names the office across databases and in province reports.
    code = CharField(max_length=16, default="")
    address = CharField(max_length=300, default="")
    logo = BlobField(null=True)
    logo_type = CharField(max_length=40, default="")
    timezone = CharField(max_length=64, default="Asia/Ho_Chi_Minh")
    region = CharField(max_length=8, default="north", constraints=[Check("region in ('north','south')")])
    open_time = CharField(max_length=5, default="07:30")
    close_time = CharField(max_length=5, default="17:00")
    lunch_start = CharField(max_length=5, default="11:30")
    lunch_end = CharField(max_length=5, default="13:30")
    cutoff_time = CharField(max_length=5, default="16:30")
    # ISO weekdays the office works (1 = Monday ... 7 = Sunday).
    working_days = JSONField(default=lambda: [1, 2, 3, 4, 5])
    holidays = JSONField(default=list)  # ["YYYY-MM-DD", ...]
    priority_ratio = IntegerField(default=2)  # max priority calls in a row while others wait
    # Max on-time appointment calls in a row while walk-ins wait (rules.mixing); 0 = no precedence.
    appointment_ratio = IntegerField(default=2)
    rating_levels = IntegerField(default=3)
    rating_reasons = JSONField(
        default=lambda: [
            "Thái độ phục vụ",
            "Thời gian chờ lâu",
            "Hướng dẫn chưa rõ ràng",
            "Phải bổ sung hồ sơ nhiều lần",
            "Khác",
        ]
    )
    rating_window_s = IntegerField(default=120)
    phone_rating = BooleanField(default=True)
    notices = TextField(default="")
    ticket_footer = CharField(max_length=200, default="Xin cảm ơn quý công dân!")
    default_service_s = IntegerField(default=300)
    kiosk_ticket_seconds = IntegerField(default=15)
    event_seq = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)


# A new field's daily cap when the admin, the first-run setup or the demo creates it: a stolen kiosk
# token cannot print an endless roll (issue 13 row 4); the admin raises or clears it per field.
DEFAULT_DAILY_CAP = 500


class Field(OfficeList, BaseModel):
    """A field (lĩnh vực) of procedures; each has its own number range per day."""

    office = ForeignKeyField(Office, backref="fields", on_delete="CASCADE")
    name = CharField(max_length=200)
    name_en = CharField(max_length=200, default="")
    code = CharField(max_length=16)
    prefix = CharField(max_length=4, default="")
    number_start = IntegerField(default=1)
    daily_cap = IntegerField(null=True)
    sort_order = IntegerField(default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("office", "code"), True),)


class Procedure(BaseModel):
    """A procedure (thủ tục hành chính) as publicly listed."""

    field = ForeignKeyField(Field, backref="procedures", on_delete="CASCADE")
    name = CharField(max_length=300)
    processing_time = CharField(max_length=200, default="")
    fee = CharField(max_length=200, default="")
    documents = TextField(default="")  # one document per line
    sort_order = IntegerField(default=0)


class User(BaseModel):
    """A person who logs in: admin, leader, clerk, or province-level leader (no office)."""

    office = ForeignKeyField(Office, backref="users", null=True, on_delete="CASCADE")
    username = CharField(max_length=64, unique=True)
    full_name = CharField(max_length=120, default="")
    role = CharField(max_length=16)
    password_hash = CharField(max_length=256)
    active = BooleanField(default=True)
    photo = BlobField(null=True)
    # Unused since schema 5 (login delays live in Throttle, issue 13). They are kept because
    # dropping a column of "user" on SQLite rebuilds the table every other table refers to.
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class Counter(BaseModel):
    """A counter (quầy) and the fields it serves."""

    office = ForeignKeyField(Office, backref="counters", on_delete="CASCADE")
    number = IntegerField()
    name = CharField(max_length=120, default="")
    state = CharField(max_length=8, default="closed")
    pause_reason = CharField(max_length=120, default="")
    state_since = DateTimeField(default=utcnow)
    clerk = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("office", "number"), True),)

    def field_ids(self):
        """Ids of the fields this counter serves."""
        return [row[0] for row in statements.rows("counter_field_ids", counter_id=self.id)]


class CounterField(BaseModel):
    """Which fields a counter serves."""

    counter = ForeignKeyField(Counter, on_delete="CASCADE")
    field = ForeignKeyField(Field, on_delete="CASCADE")

    class Meta:
        indexes = ((("counter", "field"), True),)


class UserCounter(BaseModel):
    """Which counters a clerk may use."""

    user = ForeignKeyField(User, on_delete="CASCADE")
    counter = ForeignKeyField(Counter, on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "counter"), True),)


class Device(BaseModel):
    """A kiosk, display or tablet; tablets are bound to a counter. Token stored hashed."""

    office = ForeignKeyField(Office, backref="devices", on_delete="CASCADE")
    kind = CharField(max_length=8)
    name = CharField(max_length=120, default="")
    counter = ForeignKeyField(Counter, null=True, on_delete="SET NULL")
    token_hash = CharField(max_length=64, unique=True)
    settings = JSONField(default=dict)  # e.g. display filter {"counters": [..], "fields": [..]}
    last_seen = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    # The screen's own clock as its last heartbeat reported it (every process's status page reads it).
    clock_offset_s = FloatField(null=True)
    clock_tz_min = IntegerField(null=True)
    clock_at = DateTimeField(null=True)


class StaffSession(BaseModel):
    """A person's login: the cookie holds a random key, this row its hash, so logout really ends it."""

    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    key_hash = CharField(max_length=64, unique=True)
    # The password it was opened with (a fingerprint of the hash): a new password ends it.
    password_fp = CharField(max_length=16)
    source = CharField(max_length=64, default="")
    created_at = DateTimeField(default=utcnow)
    last_seen = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)
    ended_why = CharField(max_length=16, default="")  # logout | everywhere | password | idle | account


class Throttle(BaseModel):
    """Recent attempts under one key (login failures, a kiosk's tickets), seen by every process."""

    key = CharField(max_length=64, unique=True)  # a keyed hash of what is counted (no usernames kept)
    count = IntegerField(default=0)
    window_start = DateTimeField(default=utcnow)
    blocked_until = DateTimeField(null=True)
    alerted_at = DateTimeField(null=True)


class PriorityCategory(OfficeList, BaseModel):
    """A priority category (người cao tuổi, người khuyết tật, ...)."""

    office = ForeignKeyField(Office, backref="priority_categories", on_delete="CASCADE")
    code = CharField(max_length=32)
    name = CharField(max_length=120)
    name_en = CharField(max_length=120, default="")
    icon = CharField(max_length=32, default="")
    sort_order = IntegerField(default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("office", "code"), True),)


class DailySequence(BaseModel):
    """Last number issued for a field on a business day; bumped with UPDATE ... RETURNING."""

    field = ForeignKeyField(Field, on_delete="CASCADE", index=False)  # (field, day) leads with it
    day = DateField()
    last_number = IntegerField()

    class Meta:
        indexes = ((("field", "day"), True),)


class Ticket(BaseModel):
    """A numbered ticket: one citizen's visit for one field."""

    # index=False: a composite index below leads with the column (each index costs every write).
    office = ForeignKeyField(Office, on_delete="CASCADE", index=False)
    field = ForeignKeyField(Field, on_delete="CASCADE", index=False)
    issued_field = ForeignKeyField(Field, on_delete="CASCADE", backref="issued_tickets", index=False)
    day = DateField()
    number = IntegerField()
    display_number = CharField(max_length=16)
    # Not indexed alone: only a rare admin delete looks tickets up by category or target counter.
    priority = ForeignKeyField(PriorityCategory, null=True, on_delete="SET NULL", index=False)
    state = CharField(max_length=10, default="waiting")
    public_token = CharField(max_length=64, unique=True, default=new_token)
    arrival_at = DateTimeField(default=utcnow)  # kept on transfer: the citizen's place
    issued_at = DateTimeField(default=utcnow)
    called_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    counter = ForeignKeyField(Counter, null=True, on_delete="SET NULL")
    target_counter = ForeignKeyField(
        Counter, null=True, on_delete="SET NULL", backref="transferred_in", index=False
    )
    clerk = ForeignKeyField(User, null=True, on_delete="SET NULL")
    kiosk = ForeignKeyField(Device, null=True, on_delete="SET NULL", index=False)
    recall_count = IntegerField(default=0)
    transfer_count = IntegerField(default=0)
    note = CharField(max_length=500, default="")
    # The kiosk's own id for the request, so a retried or double-tapped request gets the same ticket.
    client_ref = CharField(max_length=64, null=True)
    # How the number was taken: kiosk | phone (the display's join QR) | appointment | staff.
    channel = CharField(max_length=12, default="kiosk")
    # An appointment checked in inside its window: its slot (naive UTC); it goes ahead of walk-ins.
    booked_slot = DateTimeField(null=True)
    # A phone that took the number from the join QR: a hash of its cookie id (daily limits).
    holder = CharField(max_length=32, null=True)

    class Meta:
        indexes = (
            (("issued_field", "day", "number"), True),
            (("kiosk", "client_ref"), True),
        )

    @property
    def is_priority(self) -> bool:
        """True when the ticket carries a priority category."""
        return self.priority_id is not None


# The live queue reads these without touching the table: the waiting list in arrival order
# (call next, queue counts) and the people ahead of a ticket in its field. Named: PostgreSQL cuts
# generated names at 63 characters.
QUEUE_INDEXES = {
    "ticket_waiting_order": ("office_id", "day", "state", "arrival_at", "field_id", "target_counter_id", "priority_id"),
    "ticket_field_waiting": ("field_id", "state", "day", "arrival_at", "priority_id"),
}
for _name, _columns in QUEUE_INDEXES.items():
    Ticket.add_index(Ticket.index(*(Ticket._meta.columns[c] for c in _columns), name=_name))

# On-time appointments waiting (rules.mixing's booked lane): a partial index holds only those rows,
# so call-next finds "none waits" without reading the waiting list and walk-ins' writes skip it.
BOOKED_INDEX = ("ticket_booked_waiting", ("office_id", "day", "state", "booked_slot", "arrival_at"))
Ticket.add_index(Ticket.index(*(Ticket._meta.columns[c] for c in BOOKED_INDEX[1]), name=BOOKED_INDEX[0])
                 .where(Ticket.booked_slot.is_null(False)))


class TicketEvent(BaseModel):
    """Append-only audit of every ticket transition: who, when, from, to."""

    ticket = ForeignKeyField(Ticket, backref="events", on_delete="CASCADE")
    office = ForeignKeyField(Office, on_delete="CASCADE", index=False)  # (office, at) leads with it
    kind = CharField(max_length=16)
    from_state = CharField(max_length=10, null=True)
    to_state = CharField(max_length=10)
    counter = ForeignKeyField(Counter, null=True, on_delete="SET NULL", index=False)  # (counter, kind, at)
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utcnow)
    detail = JSONField(default=dict)

    class Meta:
        indexes = ((("office", "at"), False), (("counter", "kind", "at"), False))


class Rating(BaseModel):
    """A citizen's satisfaction rating of one finished ticket."""

    ticket = ForeignKeyField(Ticket, unique=True, on_delete="CASCADE")
    office = ForeignKeyField(Office, on_delete="CASCADE")
    field = ForeignKeyField(Field, null=True, on_delete="SET NULL")
    counter = ForeignKeyField(Counter, null=True, on_delete="SET NULL")
    clerk = ForeignKeyField(User, null=True, on_delete="SET NULL")
    level = IntegerField()  # 1 = worst ... scale = best
    scale = IntegerField()
    reasons = JSONField(default=list)
    comment = TextField(default="")
    source = CharField(max_length=8, default="tablet")  # tablet | phone
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("office", "created_at"), False),)


# --------------------------------------------------------------------------- dossiers and hand-off (issue 15)


class Dossier(BaseModel):
    """A dossier code (mã hồ sơ, rules.dossier) the counter took during one visit: received or returned."""

    office = ForeignKeyField(Office, on_delete="CASCADE", index=False)  # (office, day) leads with it
    ticket = ForeignKeyField(Ticket, backref="dossiers", on_delete="CASCADE", index=False)  # (ticket, code)
    code = CharField(max_length=64)
    kind = CharField(max_length=8, default="receive")  # receive | return
    day = DateField()  # the visit's business day (Ticket.day)
    field = ForeignKeyField(Field, null=True, on_delete="SET NULL", index=False)
    counter = ForeignKeyField(Counter, null=True, on_delete="SET NULL", index=False)
    clerk = ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)  # who handled the visit
    user = ForeignKeyField(User, null=True, on_delete="SET NULL", index=False, backref="dossiers_taken")
    # The receipt slip's QR opens the visit's rating with this (like Ticket.public_token).
    public_token = CharField(max_length=64, unique=True, default=new_token)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("ticket", "code"), True), (("office", "day"), False), (("office", "code"), False))


class DossierRating(BaseModel):
    """A rating as recorded for one dossier of the rated visit (the national index counts dossiers)."""

    rating = ForeignKeyField(Rating, on_delete="CASCADE", index=False)  # (rating, dossier) leads with it
    dossier = ForeignKeyField(Dossier, on_delete="CASCADE")
    office = ForeignKeyField(Office, on_delete="CASCADE", index=False)  # (office, day)
    code = CharField(max_length=64)
    day = DateField()
    field = ForeignKeyField(Field, null=True, on_delete="SET NULL", index=False)
    counter = ForeignKeyField(Counter, null=True, on_delete="SET NULL", index=False)
    clerk = ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)
    level = IntegerField()
    scale = IntegerField()
    source = CharField(max_length=8)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("rating", "dossier"), True), (("office", "day"), False))


class RatingAlert(BaseModel):
    """A "Không hài lòng" verdict a leader must see; handled with a note (audit log)."""

    office = ForeignKeyField(Office, on_delete="CASCADE", index=False)  # (office, created_at)
    rating = ForeignKeyField(Rating, unique=True, on_delete="CASCADE")
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE", index=False)
    day = DateField()
    counter = ForeignKeyField(Counter, null=True, on_delete="SET NULL", index=False)
    clerk = ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)
    field = ForeignKeyField(Field, null=True, on_delete="SET NULL", index=False)
    codes = JSONField(default=list)  # the visit's dossier codes when it was rated
    level = IntegerField()
    scale = IntegerField()
    reasons = JSONField(default=list)
    comment = TextField(default="")
    source = CharField(max_length=8)
    created_at = DateTimeField(default=utcnow)
    handled_at = DateTimeField(null=True)
    handled_by = ForeignKeyField(User, null=True, on_delete="SET NULL", index=False, backref="handled_alerts")
    note = TextField(default="")

    class Meta:
        indexes = ((("office", "created_at"), False), (("office", "day"), False))


class RatingSettings(BaseModel):
    """An office's settings for rating later and for handing ratings to the provincial system."""

    office = ForeignKeyField(Office, unique=True, on_delete="CASCADE")
    rate_later_days = IntegerField(default=7)  # 0: the phone rates only within Office.rating_window_s
    export_token_hash = CharField(max_length=64, default="")  # the integration token, hashed
    export_token_hint = CharField(max_length=8, default="")
    export_token_at = DateTimeField(null=True)
    push_enabled = BooleanField(default=False)
    push_url = CharField(max_length=500, default="")
    push_secret = CharField(max_length=200, default="")  # HMAC key: must be readable to sign
    adapter = CharField(max_length=32, default="generic")
    updated_at = DateTimeField(default=utcnow)


class OutboxItem(BaseModel):
    """One record handed to the provincial system: a rating of a dossier (or of a visit), a dossier code seen.

    ``seq`` runs per office in commit order (OutboxSeq), so a reader's cursor never skips a row
    committed late; ``key`` is the idempotency key a receiver deduplicates by.
    """

    office = ForeignKeyField(Office, on_delete="CASCADE", index=False)  # (office, seq) leads with it
    seq = IntegerField()
    kind = CharField(max_length=16)  # rating | dossier
    key = CharField(max_length=120, unique=True)
    day = DateField()
    payload = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)
    push_state = CharField(max_length=8, default="pending")  # pending | sending | sent
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    last_error = CharField(max_length=300, default="")
    last_status = IntegerField(null=True)
    pushed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("office", "seq"), True), (("push_state", "next_attempt_at"), False), (("office", "day"), False))


class OutboxSeq(BaseModel):
    """The last outbox ``seq`` of an office; its row lock orders outbox writes by commit."""

    office = ForeignKeyField(Office, unique=True, on_delete="CASCADE")
    last = IntegerField(default=0)


class PrintJob(BaseModel):
    """Persistent print queue: a worker sends pending jobs, retrying with back-off."""

    office = ForeignKeyField(Office, on_delete="CASCADE")
    ticket = ForeignKeyField(Ticket, null=True, on_delete="CASCADE")
    kiosk = ForeignKeyField(Device, null=True, on_delete="SET NULL")
    kind = CharField(max_length=8, default="ticket")  # ticket | test
    state = CharField(max_length=10, default="pending")  # pending | printing | done | failed
    attempts = IntegerField(default=0)
    last_error = CharField(max_length=300, default="")
    next_attempt_at = DateTimeField(default=utcnow)
    created_at = DateTimeField(default=utcnow)
    printed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("state", "next_attempt_at"), False),)


class PrinterStatus(BaseModel):
    """Last known health of a printer: online and paper state."""

    office = ForeignKeyField(Office, on_delete="CASCADE")
    name = CharField(max_length=120, default="default")
    online = BooleanField(default=False)
    paper = CharField(max_length=8, default="unknown")  # ok | low | out | unknown
    message = CharField(max_length=300, default="")
    checked_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("office", "name"), True),)


class AuditLog(BaseModel):
    """Who changed which setting, when."""

    office = ForeignKeyField(Office, null=True, on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    action = CharField(max_length=64)
    target = CharField(max_length=200, default="")
    detail = JSONField(default=dict)
    at = DateTimeField(default=utcnow)


class VoiceClip(BaseModel):
    """An office's own recording replacing a bundled announcement clip."""

    office = ForeignKeyField(Office, on_delete="CASCADE")
    key = CharField(max_length=64)
    data = BlobField()
    content_type = CharField(max_length=64)
    uploaded_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("office", "key"), True),)


class BookingSettings(BaseModel):
    """An office's settings for numbers taken from the phone and appointments (rules.booking)."""

    office = ForeignKeyField(Office, unique=True, on_delete="CASCADE")
    join_enabled = BooleanField(default=True)  # the display's rotating join QR
    join_rotate_s = IntegerField(default=60)
    join_daily_limit = IntegerField(default=2)  # numbers a day per phone (browser)
    join_field_limit = IntegerField(default=1)  # ... per field
    booking_enabled = BooleanField(default=True)
    booking_days = IntegerField(default=6)  # bookable from today to today + this many days
    slot_minutes = IntegerField(default=30)
    slot_capacity = IntegerField(default=2)  # bookings per slot of a field, unless field_capacity says
    field_capacity = JSONField(default=dict)  # {"<field id>": bookings per slot}; 0 = not bookable
    booking_daily_limit = IntegerField(default=2)  # bookings a day per phone number
    booking_field_limit = IntegerField(default=1)  # ... per field
    early_min = IntegerField(default=10)  # check-in window around the slot
    late_min = IntegerField(default=15)
    retention_days = IntegerField(default=30)  # names and phone numbers are erased after this
    near_people = IntegerField(default=3)  # "your turn is near" at this many people ahead ...
    near_minutes = IntegerField(default=10)  # ... or this many minutes of estimated wait
    notify_url = CharField(max_length=300, default="")  # webhook for messages; empty = log only
    notify_secret = CharField(max_length=200, default="")  # signs the webhook's body (HMAC-SHA256)
    updated_at = DateTimeField(default=utcnow)


class Appointment(BaseModel):
    """A citizen's booked slot (hẹn giờ) for a field on a day; checked in at the kiosk."""

    office = ForeignKeyField(Office, on_delete="CASCADE", index=False)  # (office, day, ...) lead with it
    field = ForeignKeyField(Field, on_delete="CASCADE")
    day = DateField()  # the office's local date
    slot = CharField(max_length=5)  # local start "HH:MM"
    slot_at = DateTimeField()  # the same instant, naive UTC
    code = CharField(max_length=8, unique=True)  # typed at the kiosk
    token = CharField(max_length=64, unique=True, default=new_token)  # the booking's own link and QR
    name = CharField(max_length=120, default="")  # shown to staff only; erased after retention
    phone = CharField(max_length=16, default="")  # normalised (rules.booking); erased after retention
    state = CharField(max_length=12, default="booked")  # booked | checked_in | cancelled
    created_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)
    cancelled_by = CharField(max_length=8, default="")  # citizen | staff
    checked_in_at = DateTimeField(null=True)
    on_time = BooleanField(null=True)  # checked in inside the window (the ticket went ahead)
    ticket = ForeignKeyField(Ticket, null=True, on_delete="SET NULL")
    erased_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("office", "day", "field", "slot"), False), (("office", "day", "phone"), False))


class Notification(BaseModel):
    """Outbox of messages to citizens (booking confirmed, turn near), sent by the notifier."""

    office = ForeignKeyField(Office, on_delete="CASCADE")
    key = CharField(max_length=80, unique=True)  # idempotency key: one message per key, ever
    kind = CharField(max_length=24)
    payload = JSONField(default=dict)
    state = CharField(max_length=8, default="pending")  # pending | sent | failed
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    last_error = CharField(max_length=300, default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("state", "next_attempt_at"), False),)


class SchemaVersion(BaseModel):
    """The schema version this database has been upgraded to."""

    version = IntegerField()
    applied_at = DateTimeField(default=utcnow)


ALL_MODELS = [
    Office,
    Field,
    Procedure,
    User,
    Counter,
    CounterField,
    UserCounter,
    Device,
    StaffSession,
    Throttle,
    PriorityCategory,
    DailySequence,
    Ticket,
    TicketEvent,
    Rating,
    Dossier,
    DossierRating,
    RatingAlert,
    RatingSettings,
    OutboxItem,
    OutboxSeq,
    PrintJob,
    PrinterStatus,
    AuditLog,
    VoiceClip,
    BookingSettings,
    Appointment,
    Notification,
    SchemaVersion,
]
statements.use(db, ALL_MODELS)


def make_database(url: str):
    """Build a peewee database from a URL: sqlite:///path or postgresql://..."""
    parsed = urlparse(url)
    if parsed.scheme in ("sqlite", ""):
        path = parsed.path if parsed.scheme else url
        if parsed.scheme and url.startswith("sqlite:///"):
            path = url[len("sqlite:///") :]
        from playhouse.pool import PooledSqliteDatabase

        import dbcheck

        # Pooled: closing the last connection to a WAL database checkpoints and deletes the WAL,
        # which cost more than the rest of a request; a pool keeps connections open for reuse.
        # Pragmas: WAL with synchronous=FULL on every connection (dbcheck.SQLITE_PRAGMAS: durable commits).
        return PooledSqliteDatabase(
            path,
            max_connections=64,
            stale_timeout=600,
            autoconnect=False,
            check_same_thread=False,
            timeout=30,
            pragmas=dict(dbcheck.SQLITE_PRAGMAS),
        )
    if parsed.scheme in ("postgres", "postgresql"):
        from playhouse.pool import PooledPostgresqlDatabase

        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return PooledPostgresqlDatabase(
            parsed.path.lstrip("/"),
            user=parsed.username,
            password=parsed.password,
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            autoconnect=False,
            max_connections=int(options.pop("max_connections", 32)),
            stale_timeout=300,
            timeout=30,
            **options,
        )
    raise ValueError(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")


@contextlib.contextmanager
def connection():
    """Open a connection for this thread/greenlet if none is open; close only what we opened."""
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        yield db
    finally:
        if opened and not db.is_closed():
            db.close()


def bump_event_seq(office_id: int, count: int = 1) -> int:
    """Reserve ``count`` event sequence numbers for an office; returns the last one.

    One statement is its own atomic transaction; reading every row finishes it (an unfinished
    SQLite statement would keep holding the write lock).
    """
    rows = statements.rows_atomically("bump_event_seq", office_id=office_id, count=count)
    return rows[0][0] if rows else 0

