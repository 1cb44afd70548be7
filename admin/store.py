"""Admin room: reading and changing an office's configuration, one transaction per save.

No Flask here. Every function takes the caller's ``office_id`` and only ever sees that office's
rows (another office's id is simply "not found"). Every change writes an ``AuditLog`` row in the
same transaction as the change itself, so a refused or failed save leaves no trace at all.
"""

from __future__ import annotations

import io
import struct

from peewee import IntegrityError, fn

import security
from errors import Invalid, NotFound
from display.voice import clip_path
from models import (
    DEFAULT_DAILY_CAP,
    AuditLog,
    Counter,
    CounterField,
    Device,
    Field,
    Office,
    PriorityCategory,
    Procedure,
    Rating,
    Ticket,
    User,
    UserCounter,
    VoiceClip,
    utcnow,
    write_transaction,
)
from realtime import iso
from rules import access, calendar
from rules import rating as scale_rules
from rules.speech import CHIME, all_clip_keys, clip_text
from ticketing import format_number, get_office

from .forms import Form

LOGO_MAX_BYTES = 512 * 1024
CLIP_MAX_BYTES = 1024 * 1024
KIND_NAMES = {"kiosk": "Kiosk cấp số", "display": "Màn hình hiển thị", "tablet": "Máy đánh giá tại quầy"}
REGION_NAMES = {"north": "Miền Bắc", "south": "Miền Nam"}
PRIORITY_ICONS = {
    "": "(không)",
    "elderly": "Người cao tuổi",
    "disability": "Người khuyết tật",
    "pregnant": "Phụ nữ mang thai",
    "merit": "Người có công",
    "child": "Bế trẻ nhỏ",
}


# --------------------------------------------------------------------------- audit


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value changed, before and after."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audit(office_id, user, action: str, target: str, before=None, after=None, **extra) -> AuditLog:
    """Record who changed what (inside the caller's transaction); auditlog.py reads it back."""
    detail = dict(extra)
    if before is not None:
        detail["before"] = before
    if after is not None:
        detail["after"] = after
    return AuditLog.create(
        office=office_id, user=getattr(user, "id", user), action=action, target=target[:200], detail=detail
    )


def _save(fn_, *args):
    """Run a write; a unique index broken by a concurrent save becomes a clear refusal."""
    try:
        return fn_(*args)
    except IntegrityError as exc:
        raise Invalid(
            "Chưa lưu: dữ liệu trùng với một mục đã có (có thể vừa được người khác lưu). Hãy tải lại trang và thử lại.",
            code="invalid",
        ) from exc


# --------------------------------------------------------------------------- office settings

SETTINGS_KEYS = (
    "name",
    "address",
    "open_time",
    "lunch_start",
    "lunch_end",
    "close_time",
    "cutoff_time",
    "working_days",
    "holidays",
    "region",
    "rating_levels",
    "rating_window_s",
    "rating_reasons",
    "phone_rating",
    "priority_ratio",
    "notices",
    "ticket_footer",
    "kiosk_ticket_seconds",
    "default_service_s",
)


def settings_dict(office: Office) -> dict:
    """The office's editable settings."""
    data = {key: getattr(office, key) for key in SETTINGS_KEYS}
    data.update(id=office.id, has_logo=bool(office.logo), logo_type=office.logo_type)
    return data


def _check_settings(data: dict, current: dict) -> dict:
    """Validate a (partial) settings body against the current values; return the new values."""
    form = Form(data, partial=True)
    form.text("name", "tên đơn vị", required=True, max_length=200)
    form.text("address", "địa chỉ", max_length=300)
    form.hhmm("open_time", "giờ mở cửa")
    form.hhmm("lunch_start", "giờ bắt đầu nghỉ trưa")
    form.hhmm("lunch_end", "giờ làm việc lại buổi chiều")
    form.hhmm("close_time", "giờ đóng cửa")
    form.hhmm("cutoff_time", "giờ ngừng cấp số")
    form.int_list("working_days", "ngày làm việc", allowed=set(calendar.WEEKDAYS), min_items=1)
    form.dates("holidays", "ngày nghỉ lễ")
    form.choice("region", "giọng đọc", REGION_NAMES)
    form.choice("rating_levels", "số mức đánh giá", {n: str(n) for n in scale_rules.SCALES})
    form.integer("rating_window_s", "thời gian chờ đánh giá", 10, 600)
    form.lines("rating_reasons", "lý do chưa hài lòng", max_items=12, max_length=80, required=True)
    form.boolean("phone_rating", "đánh giá qua điện thoại")
    form.integer("priority_ratio", "số lượt ưu tiên liên tiếp", 0, 10)
    form.text("notices", "thông báo", max_length=2000)
    form.text("ticket_footer", "dòng cuối phiếu", max_length=200)
    form.integer("kiosk_ticket_seconds", "thời gian hiện phiếu trên kiosk", 3, 120)
    form.integer(
        "default_service_s",
        "thời gian phục vụ mặc định",
        60,
        7200,
        range_message="Thời gian phục vụ mặc định phải từ 1 đến 120 phút.",
    )
    times = ("open_time", "lunch_start", "lunch_end", "close_time", "cutoff_time")
    if any(k in form.errors for k in times):
        return form.check()  # the order of the times is judged once each time is readable
    merged = dict(current, **form.values)
    o, ls, le, c, cut = (merged[k] for k in times)
    # Zero-padded "HH:MM" strings compare in time order. Each broken rule is reported on the box
    # the person just changed (the later one when both or neither changed), worded for that box.
    rules = [
        (
            "open_time",
            "lunch_start",
            o < ls,
            f"Giờ mở cửa phải trước giờ nghỉ trưa ({ls}).",
            f"Giờ nghỉ trưa phải sau giờ mở cửa ({o}).",
        ),
        (
            "lunch_start",
            "lunch_end",
            ls < le,
            f"Giờ nghỉ trưa phải trước giờ làm việc lại ({le}).",
            f"Giờ làm việc lại phải sau giờ bắt đầu nghỉ trưa ({ls}).",
        ),
        (
            "lunch_end",
            "close_time",
            le < c,
            f"Giờ làm việc lại phải trước giờ đóng cửa ({c}).",
            f"Giờ đóng cửa phải sau giờ làm việc lại buổi chiều ({le}).",
        ),
        (
            "open_time",
            "cutoff_time",
            o < cut,
            f"Giờ mở cửa phải trước giờ ngừng cấp số ({cut}).",
            f"Giờ ngừng cấp số phải sau giờ mở cửa ({o}).",
        ),
        (
            "cutoff_time",
            "close_time",
            cut <= c,
            f"Giờ ngừng cấp số không được muộn hơn giờ đóng cửa ({c}).",
            f"Giờ đóng cửa không được sớm hơn giờ ngừng cấp số ({cut}).",
        ),
    ]
    changed = {k for k in times if k in form.values and form.values[k] != current[k]}
    for early, late, ok, early_message, late_message in rules:
        if not ok:
            if late in changed or early not in changed:
                form.error(late, late_message)
            else:
                form.error(early, early_message)
    return form.check()


def update_settings(office_id, user, data: dict) -> Office:
    """Save a (partial) settings body: all or nothing, audited."""
    with write_transaction():
        office = get_office(office_id)
        before = settings_dict(office)
        values = _check_settings(data, before)
        old, new = _diff(before, values)
        if new:
            Office.update(**new).where(Office.id == office_id).execute()
            audit(office_id, user, "settings.update", "Cài đặt đơn vị", old, new)
    return get_office(office_id)


def _image_type(data: bytes) -> str | None:
    """'image/png' or 'image/jpeg' judged by the bytes themselves, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def set_logo(office_id, user, data: bytes) -> Office:
    """Store the office's logo (PNG or JPEG, size-limited, really decodable)."""
    kind = _image_type(data or b"")
    if not data:
        raise Invalid("Chưa chọn tệp logo.", fields={"logo": "Chưa chọn tệp logo."})
    if len(data) > LOGO_MAX_BYTES:
        message = f"Logo quá lớn ({len(data) // 1024} KB); tối đa {LOGO_MAX_BYTES // 1024} KB."
        raise Invalid(message, fields={"logo": message})
    if kind is None or not _decodes(data):
        message = "Logo phải là ảnh PNG hoặc JPEG."
        raise Invalid(message, fields={"logo": message})
    with write_transaction():
        office = get_office(office_id)
        before = {"logo": f"{office.logo_type}, {len(office.logo)} byte" if office.logo else None}
        Office.update(logo=data, logo_type=kind).where(Office.id == office_id).execute()
        audit(office_id, user, "logo.update", "Logo đơn vị", before, {"logo": f"{kind}, {len(data)} byte"})
    return get_office(office_id)


def _decodes(data: bytes) -> bool:
    """True when Pillow can read the whole image and it is of a sane size."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return 16 <= image.width <= 4000 and 16 <= image.height <= 4000
    except Exception:  # noqa: BLE001 - any decoder failure means "not an image we accept"
        return False


def delete_logo(office_id, user) -> None:
    """Remove the logo."""
    with write_transaction():
        office = get_office(office_id)
        if office.logo:
            Office.update(logo=None, logo_type="").where(Office.id == office_id).execute()
            audit(office_id, user, "logo.delete", "Logo đơn vị", {"logo": office.logo_type}, {"logo": None})


# --------------------------------------------------------------------------- priority categories


def category_dict(c: PriorityCategory) -> dict:
    """A priority category."""
    return {
        "id": c.id,
        "code": c.code,
        "name": c.name,
        "name_en": c.name_en,
        "icon": c.icon,
        "sort_order": c.sort_order,
        "active": c.active,
    }


def categories(office_id) -> list[PriorityCategory]:
    """The office's priority categories in order."""
    return list(PriorityCategory.for_office(office_id))


def get_category(office_id, category_id) -> PriorityCategory:
    """A category of this office or NotFound."""
    category = PriorityCategory.get_or_none(
        (PriorityCategory.id == category_id) & (PriorityCategory.office == office_id)
    )
    if category is None:
        raise NotFound("Không tìm thấy đối tượng ưu tiên.")
    return category


def _check_category(office_id, data, existing: PriorityCategory | None) -> dict:
    """Validate a category body (full on create, partial on update)."""
    form = Form(data, partial=existing is not None)
    code = form.text(
        "code",
        "mã",
        required=True,
        max_length=32,
        pattern=r"[a-z0-9_]+",
        pattern_message="Mã chỉ gồm chữ thường không dấu, số và dấu gạch dưới, ví dụ cao_tuoi.",
    )
    form.text("name", "tên đối tượng", required=True, max_length=120)
    form.text("name_en", "tên tiếng Anh", max_length=120)
    form.text(
        "icon",
        "biểu tượng",
        max_length=32,
        pattern=r"[a-z0-9_-]*",
        pattern_message="Biểu tượng chỉ gồm chữ thường không dấu, số, - và _.",
    )
    form.integer("sort_order", "thứ tự", 0, 999, required=False)
    form.boolean("active", "đang dùng")
    if code:
        clash = PriorityCategory.get_or_none((PriorityCategory.office == office_id) & (PriorityCategory.code == code))
        if clash is not None and (existing is None or clash.id != existing.id):
            form.error("code", f"Mã “{code}” đã dùng cho “{clash.name}”.")
    return form.check()


def create_category(office_id, user, data) -> PriorityCategory:
    """Add a priority category."""

    def run():
        with write_transaction():
            values = _check_category(office_id, data, None)
            category = PriorityCategory.create(office=office_id, **values)
            audit(office_id, user, "priority.create", f"Ưu tiên: {category.name}", None, category_dict(category))
        return category

    return _save(run)


def update_category(office_id, user, category_id, data) -> PriorityCategory:
    """Change a priority category."""

    def run():
        with write_transaction():
            category = get_category(office_id, category_id)
            before = category_dict(category)
            old, new = _diff(before, _check_category(office_id, data, category))
            if new:
                PriorityCategory.update(**new).where(PriorityCategory.id == category.id).execute()
                audit(office_id, user, "priority.update", f"Ưu tiên: {category.name}", old, new)
        return get_category(office_id, category_id)

    return _save(run)


def delete_category(office_id, user, category_id) -> None:
    """Delete a category never used by a ticket (else it must be switched off instead)."""
    with write_transaction():
        category = get_category(office_id, category_id)
        if Ticket.select().where(Ticket.priority == category.id).exists():
            raise Invalid(
                f"“{category.name}” đã được dùng trên phiếu, không xóa được để giữ số liệu báo cáo. "
                "Hãy bỏ chọn “Đang dùng” thay vì xóa."
            )
        audit(office_id, user, "priority.delete", f"Ưu tiên: {category.name}", category_dict(category), None)
        category.delete_instance()


# --------------------------------------------------------------------------- fields


def field_dict(f: Field) -> dict:
    """A field (lĩnh vực) with the first number it prints."""
    return {
        "id": f.id,
        "code": f.code,
        "name": f.name,
        "name_en": f.name_en,
        "prefix": f.prefix,
        "number_start": f.number_start,
        "first_number": format_number(f, f.number_start),
        "daily_cap": f.daily_cap,
        "sort_order": f.sort_order,
        "active": f.active,
    }


def fields(office_id) -> list[Field]:
    """The office's fields in display order."""
    return list(Field.for_office(office_id))


def get_field(office_id, field_id) -> Field:
    """A field of this office or NotFound."""
    field = Field.get_or_none((Field.id == field_id) & (Field.office == office_id))
    if field is None:
        raise NotFound("Không tìm thấy lĩnh vực.")
    return field


def _check_field(office_id, data, existing: Field | None) -> dict:
    """Validate a field body; codes and number ranges must not clash within the office."""
    data = dict(data)
    for key in ("code", "prefix"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip().upper()
    form = Form(data, partial=existing is not None)
    form.text("name", "tên lĩnh vực", required=True, max_length=200)
    form.text("name_en", "tên tiếng Anh", max_length=200)
    code = form.text(
        "code",
        "mã lĩnh vực",
        required=True,
        max_length=16,
        pattern=r"[A-Z0-9_-]+",
        pattern_message="Mã lĩnh vực chỉ gồm chữ in hoa không dấu, số, - và _, ví dụ HT.",
    )
    form.text(
        "prefix",
        "chữ đầu số",
        max_length=2,
        pattern=r"[A-ZĐ]{0,2}",
        pattern_message="Chữ đầu số là 1-2 chữ cái in hoa (ví dụ A) hoặc để trống.",
    )
    form.integer("number_start", "số bắt đầu", 0, 9999, required=existing is None)
    form.integer("daily_cap", "số phiếu tối đa mỗi ngày", 1, 9999, required=False, allow_empty=True)
    form.integer("sort_order", "thứ tự", 0, 999, required=False)
    form.boolean("active", "đang cấp số")
    values = form.check()
    others = Field.select().where(Field.office == office_id)
    if existing is not None:
        others = others.where(Field.id != existing.id)
    if code:
        clash = others.where(Field.code == code).first()
        if clash is not None:
            form.error("code", f"Mã “{code}” đã dùng cho lĩnh vực “{clash.name}”.")
    merged = dict(field_dict(existing) if existing else {"prefix": "", "number_start": 1}, **values)
    clash = others.where((Field.prefix == merged["prefix"]) & (Field.number_start == merged["number_start"])).first()
    if clash is not None:
        first = f"{merged['prefix']}{merged['number_start']:03d}" if merged["prefix"] else str(merged["number_start"])
        form.error("number_start", f"Dãy số trùng với lĩnh vực “{clash.name}” (cùng bắt đầu từ {first}).")
    return form.check()


def create_field(office_id, user, data) -> Field:
    """Add a field."""

    def run():
        with write_transaction():
            values = _check_field(office_id, data, None)
            values.setdefault("daily_cap", DEFAULT_DAILY_CAP)  # an empty box clears it: no limit
            if "sort_order" not in values:
                values["sort_order"] = (
                    Field.select(fn.MAX(Field.sort_order)).where(Field.office == office_id).scalar() or 0
                ) + 1
            field = Field.create(office=office_id, **values)
            audit(office_id, user, "field.create", f"Lĩnh vực {field.code} - {field.name}", None, field_dict(field))
        return field

    return _save(run)


def update_field(office_id, user, field_id, data) -> Field:
    """Change a field."""

    def run():
        with write_transaction():
            field = get_field(office_id, field_id)
            before = field_dict(field)
            values = _check_field(office_id, data, field)
            old, new = _diff(before, values)
            if new:
                Field.update(**new).where(Field.id == field.id).execute()
                audit(office_id, user, "field.update", f"Lĩnh vực {field.code} - {field.name}", old, new)
        return get_field(office_id, field_id)

    return _save(run)


def delete_field(office_id, user, field_id) -> None:
    """Delete a field without tickets, unless it is some counter's only field."""
    with write_transaction():
        field = get_field(office_id, field_id)
        if Ticket.select().where((Ticket.field == field.id) | (Ticket.issued_field == field.id)).exists():
            raise Invalid(
                f"Lĩnh vực “{field.name}” đã có phiếu, không xóa được để giữ số liệu báo cáo. "
                "Hãy bỏ chọn “Đang cấp số” thay vì xóa."
            )
        for counter in Counter.select().join(CounterField).where(CounterField.field == field.id):
            if CounterField.select().where(CounterField.counter == counter.id).count() == 1:
                raise Invalid(
                    f"Quầy số {counter.number} chỉ phục vụ lĩnh vực này. Hãy chọn lĩnh vực khác cho quầy trước khi xóa."
                )
        audit(
            office_id,
            user,
            "field.delete",
            f"Lĩnh vực {field.code} - {field.name}",
            field_dict(field),
            None,
            procedures=Procedure.select().where(Procedure.field == field.id).count(),
        )
        field.delete_instance(recursive=False)


# --------------------------------------------------------------------------- procedures


def procedure_dict(p: Procedure) -> dict:
    """A procedure as listed publicly."""
    return {
        "id": p.id,
        "field_id": p.field_id,
        "name": p.name,
        "processing_time": p.processing_time,
        "fee": p.fee,
        "documents": [d for d in p.documents.splitlines() if d.strip()],
        "sort_order": p.sort_order,
    }


def procedures(office_id, field_id) -> list[Procedure]:
    """A field's procedures in order."""
    field = get_field(office_id, field_id)
    return list(Procedure.select().where(Procedure.field == field.id).order_by(Procedure.sort_order, Procedure.id))


def get_procedure(office_id, procedure_id) -> Procedure:
    """A procedure of one of this office's fields or NotFound."""
    procedure = (
        Procedure.select().join(Field).where((Procedure.id == procedure_id) & (Field.office == office_id)).first()
    )
    if procedure is None:
        raise NotFound("Không tìm thấy thủ tục.")
    return procedure


def _check_procedure(data, partial) -> dict:
    """Validate a procedure body; documents are stored one per line."""
    form = Form(data, partial=partial)
    form.text("name", "tên thủ tục", required=True, max_length=300)
    form.text("processing_time", "thời hạn giải quyết", max_length=200)
    form.text("fee", "phí, lệ phí", max_length=200)
    form.lines("documents", "giấy tờ", max_items=50, max_length=300, unique=False)
    form.integer("sort_order", "thứ tự", 0, 999, required=False)
    values = form.check()
    if "documents" in values:
        values["documents"] = "\n".join(values["documents"])
    return values


def create_procedure(office_id, user, field_id, data) -> Procedure:
    """Add a procedure to a field."""
    with write_transaction():
        field = get_field(office_id, field_id)
        values = _check_procedure(data, partial=False)
        if "sort_order" not in values:
            values["sort_order"] = (
                Procedure.select(fn.MAX(Procedure.sort_order)).where(Procedure.field == field.id).scalar() or 0
            ) + 1
        procedure = Procedure.create(field=field, **values)
        audit(
            office_id,
            user,
            "procedure.create",
            f"Thủ tục: {procedure.name}",
            None,
            procedure_dict(procedure),
            field=field.name,
        )
    return procedure


def update_procedure(office_id, user, procedure_id, data) -> Procedure:
    """Change a procedure."""
    with write_transaction():
        procedure = get_procedure(office_id, procedure_id)
        before = procedure_dict(procedure)
        values = _check_procedure(data, partial=True)
        comparable = dict(values)
        if "documents" in comparable:
            comparable["documents"] = [d for d in comparable["documents"].splitlines() if d.strip()]
        old, new = _diff(before, comparable)
        if new:
            Procedure.update(**values).where(Procedure.id == procedure.id).execute()
            audit(office_id, user, "procedure.update", f"Thủ tục: {procedure.name}", old, new)
    return get_procedure(office_id, procedure_id)


def delete_procedure(office_id, user, procedure_id) -> None:
    """Delete a procedure from the public listing."""
    with write_transaction():
        procedure = get_procedure(office_id, procedure_id)
        audit(office_id, user, "procedure.delete", f"Thủ tục: {procedure.name}", procedure_dict(procedure), None)
        procedure.delete_instance()


# --------------------------------------------------------------------------- counters


def counter_dict(c: Counter) -> dict:
    """A counter and the fields it serves."""
    return {"id": c.id, "number": c.number, "name": c.name, "state": c.state, "fields": sorted(c.field_ids())}


def counters(office_id) -> list[Counter]:
    """The office's counters by number."""
    return list(Counter.select().where(Counter.office == office_id).order_by(Counter.number))


def get_counter(office_id, counter_id) -> Counter:
    """A counter of this office or NotFound."""
    counter = Counter.get_or_none((Counter.id == counter_id) & (Counter.office == office_id))
    if counter is None:
        raise NotFound("Không tìm thấy quầy.")
    return counter


def _office_ids(model, office_id) -> set[int]:
    """Ids of an office's rows of ``model``."""
    return {row.id for row in model.select(model.id).where(model.office == office_id)}


def _check_counter(office_id, data, existing: Counter | None) -> dict:
    """Validate a counter body: a unique number, at least one field of this office."""
    form = Form(data, partial=existing is not None)
    number = form.integer("number", "số quầy", 1, 999)
    form.text("name", "tên quầy", max_length=120)
    form.int_list("fields", "lĩnh vực", allowed=_office_ids(Field, office_id), required=True, min_items=1)
    if number is not None:
        clash = Counter.get_or_none((Counter.office == office_id) & (Counter.number == number))
        if clash is not None and (existing is None or clash.id != existing.id):
            form.error("number", f"Số quầy {number} đã có (“{clash.name}”).")
    return form.check()


def _set_counter_fields(counter: Counter, field_ids) -> None:
    """Replace the fields a counter serves."""
    CounterField.delete().where(CounterField.counter == counter.id).execute()
    CounterField.insert_many([{"counter": counter.id, "field": f} for f in field_ids]).execute()


def create_counter(office_id, user, data) -> Counter:
    """Add a counter serving at least one field."""

    def run():
        with write_transaction():
            values = _check_counter(office_id, data, None)
            field_ids = values.pop("fields")
            counter = Counter.create(office=office_id, state="closed", **values)
            _set_counter_fields(counter, field_ids)
            audit(office_id, user, "counter.create", f"Quầy {counter.number}", None, counter_dict(counter))
        return counter

    return _save(run)


def update_counter(office_id, user, counter_id, data) -> Counter:
    """Change a counter's number, name or fields."""

    def run():
        with write_transaction():
            counter = get_counter(office_id, counter_id)
            before = counter_dict(counter)
            values = _check_counter(office_id, data, counter)
            old, new = _diff(before, values)
            if new:
                field_ids = new.pop("fields", None)
                if new:
                    Counter.update(**new).where(Counter.id == counter.id).execute()
                if field_ids is not None:
                    _set_counter_fields(counter, field_ids)
                audit(
                    office_id,
                    user,
                    "counter.update",
                    f"Quầy {counter.number}",
                    old,
                    dict(new, **({"fields": field_ids} if field_ids is not None else {})),
                )
        return get_counter(office_id, counter_id)

    return _save(run)


def delete_counter(office_id, user, counter_id) -> None:
    """Delete a counter that never served a ticket."""
    with write_transaction():
        counter = get_counter(office_id, counter_id)
        if (
            Ticket.select().where((Ticket.counter == counter.id) | (Ticket.target_counter == counter.id)).exists()
            or Rating.select().where(Rating.counter == counter.id).exists()
        ):
            raise Invalid(f"Quầy số {counter.number} đã phục vụ công dân, không xóa được để giữ số liệu báo cáo.")
        audit(office_id, user, "counter.delete", f"Quầy {counter.number}", counter_dict(counter), None)
        counter.delete_instance()


# --------------------------------------------------------------------------- users


def user_dict(u: User) -> dict:
    """A user (never the password hash)."""
    counter_ids = sorted(uc.counter_id for uc in UserCounter.select().where(UserCounter.user == u.id))
    locked = security.login_delayed(u.username)  # wrong passwords from unknown browsers: logins wait
    return {
        "id": u.id,
        "username": u.username,
        "full_name": u.full_name,
        "role": u.role,
        "active": u.active,
        "counters": counter_ids,
        "locked": locked,
        "created_at": iso(u.created_at),
    }


def users(office_id) -> list[User]:
    """The office's users: admins, leaders, then clerks, by name."""
    rows = list(User.select().where(User.office == office_id))
    return sorted(rows, key=lambda u: (access.role_order(u.role), u.username))


def get_user(office_id, user_id) -> User:
    """A user of this office or NotFound."""
    user = User.get_or_none((User.id == user_id) & (User.office == office_id))
    if user is None:
        raise NotFound("Không tìm thấy người dùng.")
    return user


def _password(form: Form, required: bool) -> str | None:
    """A new password, by the one password rule (passwords.py), kept exactly as typed."""
    import passwords

    password = form.data.get("password")
    if password is None or password == "":
        if required:
            form.error("password", passwords.problem(password))
        return None
    problem = passwords.problem(password)
    if problem:
        form.error("password", problem)
        return None
    return password


def _check_user(office_id, actor, data, existing: User | None) -> dict:
    """Validate a user body. Only an active admin changes users and cannot demote or lock
    themselves, so an office always keeps at least one active admin."""
    data = dict(data)
    if isinstance(data.get("username"), str):
        data["username"] = data["username"].strip().lower()
    form = Form(data, partial=existing is not None)
    if existing is None:
        username = form.text(
            "username",
            "tên đăng nhập",
            required=True,
            max_length=64,
            pattern=r"[a-z0-9._-]{3,64}",
            pattern_message="Tên đăng nhập gồm 3-64 chữ thường không dấu, số, dấu chấm, - hoặc _.",
        )
        if username and User.select().where(User.username == username).exists():
            form.error("username", f"Tên đăng nhập “{username}” đã có người dùng.")
        password = _password(form, required=True)
    else:
        password = None
    form.text("full_name", "họ và tên", required=True, max_length=120)
    role = form.choice("role", "vai trò", access.office_role_names())
    active = form.boolean("active", "đang hoạt động")
    form.int_list("counters", "quầy", allowed=_office_ids(Counter, office_id))
    if existing is not None and existing.id == actor.id:
        if role is not None and role != existing.role:
            form.error("role", "Không thể tự đổi vai trò của chính mình.")
        if active is False:
            form.error("active", "Không thể tự khóa tài khoản của chính mình.")
    values = form.check()
    if password:
        values["password_hash"] = security.hash_password(password)
    return values


def _set_user_counters(user: User, counter_ids) -> None:
    """Replace the counters a clerk may use."""
    UserCounter.delete().where(UserCounter.user == user.id).execute()
    if counter_ids:
        UserCounter.insert_many([{"user": user.id, "counter": c} for c in counter_ids]).execute()


def create_user(office_id, actor, data) -> User:
    """Add a user with a password."""

    def run():
        with write_transaction():
            values = _check_user(office_id, actor, data, None)
            counter_ids = values.pop("counters", [])
            user = User.create(office=office_id, **values)
            _set_user_counters(user, counter_ids if access.assigned_counters_only(user.role) else [])
            audit(office_id, actor, "user.create", f"Người dùng {user.username}", None, user_dict(user))
        return user

    return _save(run)


def update_user(office_id, actor, user_id, data) -> User:
    """Change a user's name, role, active flag or counters."""

    def run():
        with write_transaction():
            user = get_user(office_id, user_id)
            before = user_dict(user)
            values = _check_user(office_id, actor, data, user)
            role = values.get("role", user.role)
            if not access.assigned_counters_only(role):
                values["counters"] = []
            old, new = _diff(before, values)
            if new:
                counter_ids = new.pop("counters", None)
                if new:
                    User.update(**new).where(User.id == user.id).execute()
                if counter_ids is not None:
                    _set_user_counters(user, counter_ids)
                audit(
                    office_id,
                    actor,
                    "user.update",
                    f"Người dùng {user.username}",
                    old,
                    dict(new, **({"counters": counter_ids} if counter_ids is not None else {})),
                )
        return get_user(office_id, user_id)

    return _save(run)


def set_password(office_id, actor, user_id, data) -> User:
    """Set a new password (also unlocks a throttled account)."""
    with write_transaction():
        user = get_user(office_id, user_id)
        form = Form(data)
        password = _password(form, required=True)
        form.check()
        User.update(password_hash=security.hash_password(password)).where(User.id == user.id).execute()
        audit(office_id, actor, "user.password", f"Người dùng {user.username}", None, {"password": "(đã đặt mới)"})
    return get_user(office_id, user_id)


# --------------------------------------------------------------------------- devices


def device_dict(d: Device) -> dict:
    """A device (never its token)."""
    return {
        "id": d.id,
        "kind": d.kind,
        "name": d.name,
        "counter_id": d.counter_id,
        "settings": d.settings,
        "last_seen": iso(d.last_seen),
        "revoked_at": iso(d.revoked_at),
        "created_at": iso(d.created_at),
    }


def devices(office_id) -> list[Device]:
    """The office's devices: active first, then by kind and name."""
    rows = list(Device.select().where(Device.office == office_id))
    order = {"kiosk": 0, "display": 1, "tablet": 2}
    return sorted(rows, key=lambda d: (d.revoked_at is not None, order.get(d.kind, 9), d.name, d.id))


def get_device(office_id, device_id) -> Device:
    """A device of this office or NotFound."""
    device = Device.get_or_none((Device.id == device_id) & (Device.office == office_id))
    if device is None:
        raise NotFound("Không tìm thấy thiết bị.")
    return device


def _check_device(office_id, data, existing: Device | None) -> dict:
    """Validate a device body; a tablet must be bound to a counter of this office."""
    form = Form(data, partial=existing is not None)
    kind = form.choice("kind", "loại thiết bị", KIND_NAMES) if existing is None else existing.kind
    form.text("name", "tên thiết bị", required=True, max_length=120)
    counter_ids = _office_ids(Counter, office_id)
    if kind == "tablet" and (existing is None or "counter_id" in data):
        counter_id = data.get("counter_id")
        if counter_id in (None, ""):
            form.error("counter_id", "Máy đánh giá phải gắn với một quầy.")
        elif isinstance(counter_id, bool) or not isinstance(counter_id, int) or counter_id not in counter_ids:
            form.error("counter_id", "Quầy không tồn tại trong đơn vị.")
        else:
            form.values["counter_id"] = counter_id
    if kind == "display":
        # A display may show only some counters and fields (display room reads Device.settings).
        shown_counters = form.int_list("display_counters", "quầy hiển thị", allowed=counter_ids)
        shown_fields = form.int_list("display_fields", "lĩnh vực hiển thị", allowed=_office_ids(Field, office_id))
    values = form.check()
    if kind != "tablet":
        values["counter_id"] = None
    if kind == "display" and ("display_counters" in data or "display_fields" in data):
        settings = dict(existing.settings or {}) if existing is not None else {}
        for key, chosen in (("counters", shown_counters), ("fields", shown_fields)):
            if chosen:
                settings[key] = chosen
            elif chosen is not None:
                settings.pop(key, None)
        values["settings"] = settings
    values.pop("display_counters", None)
    values.pop("display_fields", None)
    return values


def create_device(office_id, user, data) -> tuple[Device, str]:
    """Create a device; returns it with its clear token (shown once, never stored)."""
    with write_transaction():
        values = _check_device(office_id, data, None)
        token = security.new_device_token()
        device = Device.create(
            office=office_id,
            kind=values["kind"],
            name=values["name"],
            counter=values["counter_id"],
            settings=values.get("settings") or {},
            token_hash=security.hash_token(token),
        )
        audit(office_id, user, "device.create", f"{KIND_NAMES[device.kind]}: {device.name}", None, device_dict(device))
    return device, token


def update_device(office_id, user, device_id, data) -> Device:
    """Rename a device or move a tablet to another counter."""
    with write_transaction():
        device = get_device(office_id, device_id)
        before = device_dict(device)
        values = _check_device(office_id, data, device)
        if "counter_id" not in data:
            values.pop("counter_id", None)
        old, new = _diff(before, values)
        if new:
            Device.update(**{("counter" if k == "counter_id" else k): v for k, v in new.items()}).where(
                Device.id == device.id
            ).execute()
            audit(office_id, user, "device.update", f"{KIND_NAMES[device.kind]}: {device.name}", old, new)
    return get_device(office_id, device_id)


def revoke_device(office_id, user, device_id) -> Device:
    """Revoke a device: its token stops working at once."""
    with write_transaction():
        device = get_device(office_id, device_id)
        if device.revoked_at is None:
            now = utcnow()
            Device.update(revoked_at=now).where(Device.id == device.id).execute()
            audit(
                office_id,
                user,
                "device.revoke",
                f"{KIND_NAMES[device.kind]}: {device.name}",
                {"revoked_at": None},
                {"revoked_at": iso(now)},
            )
    return get_device(office_id, device_id)


def reissue_device(office_id, user, device_id) -> tuple[Device, str]:
    """Give a device a new token (the old link stops working) and un-revoke it."""
    with write_transaction():
        device = get_device(office_id, device_id)
        token = security.new_device_token()
        Device.update(token_hash=security.hash_token(token), revoked_at=None).where(Device.id == device.id).execute()
        audit(
            office_id,
            user,
            "device.reissue",
            f"{KIND_NAMES[device.kind]}: {device.name}",
            {"revoked_at": iso(device.revoked_at)},
            {"revoked_at": None, "token": "(mã mới)"},
        )
    return get_device(office_id, device_id), token


# --------------------------------------------------------------------------- voice clips


def clip_keys() -> list[str]:
    """Every clip key an office may record: the chime, phrases, digits, words, letters."""
    return all_clip_keys()


def clip_info(key: str, region: str) -> dict:
    """What a clip key says in the office's region and where its bundled file is."""
    return {
        "key": key,
        "text": "(tiếng chuông)" if key == CHIME else clip_text(key, region),
        "bundled": clip_path(key, region),
    }


def voice_clips(office_id) -> dict[str, VoiceClip]:
    """The office's own recordings by key (without loading the audio)."""
    query = VoiceClip.select(
        VoiceClip.id,
        VoiceClip.key,
        VoiceClip.content_type,
        VoiceClip.uploaded_at,
        fn.LENGTH(VoiceClip.data).alias("size"),
    ).where(VoiceClip.office == office_id)
    return {clip.key: clip for clip in query}


def get_clip(office_id, key) -> VoiceClip:
    """The office's recording for a key or NotFound."""
    clip = VoiceClip.get_or_none((VoiceClip.office == office_id) & (VoiceClip.key == key))
    if clip is None:
        raise NotFound("Đơn vị chưa có bản ghi cho mục này.")
    return clip


def audio_type(data: bytes) -> str | None:
    """'audio/ogg', 'audio/mpeg' or 'audio/wav' judged by the bytes themselves, else None."""
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"ID3") or (len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def _check_clip(key: str, data: bytes) -> str:
    """Refuse unknown keys, empty, oversized or non-audio files; return the content type."""
    if key not in clip_keys():
        raise NotFound("Không có mục giọng đọc này.")
    if not data:
        raise Invalid("Chưa chọn tệp âm thanh.", fields={"clip": "Chưa chọn tệp âm thanh."})
    if len(data) > CLIP_MAX_BYTES:
        message = f"Tệp quá lớn ({len(data) // 1024} KB); tối đa {CLIP_MAX_BYTES // 1024} KB."
        raise Invalid(message, fields={"clip": message})
    kind = audio_type(data)
    if kind is None or (kind == "audio/wav" and not _wav_ok(data)):
        message = "Chỉ nhận tệp âm thanh OGG, MP3 hoặc WAV."
        raise Invalid(message, fields={"clip": message})
    return kind


def _wav_ok(data: bytes) -> bool:
    """A RIFF header whose declared size is not absurd."""
    (size,) = struct.unpack("<I", data[4:8])
    return 4 <= size <= len(data)


def upload_clip(office_id, user, key, data: bytes) -> VoiceClip:
    """Store (or replace) the office's recording for a clip key."""
    kind = _check_clip(key, data)
    target = f"Giọng đọc “{clip_info(key, get_office(office_id).region)['text']}” ({key})"
    with write_transaction():
        old = VoiceClip.get_or_none((VoiceClip.office == office_id) & (VoiceClip.key == key))
        before = {"clip": f"{old.content_type}, {len(old.data)} byte"} if old else {"clip": "(bản có sẵn)"}
        if old is None:
            clip = VoiceClip.create(office=office_id, key=key, data=data, content_type=kind)
        else:
            VoiceClip.update(data=data, content_type=kind, uploaded_at=utcnow()).where(VoiceClip.id == old.id).execute()
            clip = VoiceClip.get_by_id(old.id)
        audit(office_id, user, "voice.upload", target, before, {"clip": f"{kind}, {len(data)} byte"})
    return clip


def delete_clip(office_id, user, key) -> None:
    """Remove the office's recording: the bundled clip is used again."""
    with write_transaction():
        clip = get_clip(office_id, key)
        audit(
            office_id,
            user,
            "voice.delete",
            f"Giọng đọc “{clip_info(key, get_office(office_id).region)['text']}” ({key})",
            {"clip": f"{clip.content_type}, {len(clip.data)} byte"},
            {"clip": "(bản có sẵn)"},
        )
        clip.delete_instance()
