"""Admin room: reading the audit log back: filters, paging, and each change in people's words.

No Flask here. A leader asked "who changed this, and when?" narrows the log by who (a user of
the office), what (a kind of thing, e.g. ``field``, or one action, e.g. ``field.delete``), when
(office-local dates, both ends included) and words found in the change as the page shows it.
Filters arrive as the strings of a query string; a bad one is a 422 naming the box.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from models import AuditLog, Field, User
from errors import Invalid
from realtime import iso
from rules import access, calendar
from ticketing import day_start_utc, get_office

from . import store
from .forms import parse_date

PER_PAGE = 50
MAX_PAGE = 1_000_000
Q_MAX = 100
# Years a filter date may name: keeps "to + 1 day" and the time-zone shift inside datetime's range.
YEARS = (2000, 2100)

# The filter boxes as the page labels them (for a message that names one).
LABELS = {
    "user": "Người thực hiện",
    "kind": "Loại thay đổi",
    "from": "Từ ngày",
    "to": "Đến ngày",
    "q": "Tìm trong nội dung",
    "page": "Trang",
}
# The kinds of thing a change is about (the part of the action before the dot), as the filter lists them.
KINDS = {
    "settings": "Cài đặt chung",
    "logo": "Logo",
    "priority": "Đối tượng ưu tiên",
    "field": "Lĩnh vực",
    "procedure": "Thủ tục",
    "counter": "Quầy",
    "user": "Người dùng",
    "device": "Thiết bị",
    "booking": "Hẹn giờ và lấy số từ xa",
    "voice": "Giọng đọc",
    "ratings": "Đánh giá và liên thông",
    "rating_alert": "Cảnh báo đánh giá",
}
ACTION_NAMES = {
    "settings.update": "Sửa cài đặt",
    "logo.update": "Đổi logo",
    "logo.delete": "Xóa logo",
    "priority.create": "Thêm đối tượng ưu tiên",
    "priority.update": "Sửa đối tượng ưu tiên",
    "priority.delete": "Xóa đối tượng ưu tiên",
    "field.create": "Thêm lĩnh vực",
    "field.update": "Sửa lĩnh vực",
    "field.delete": "Xóa lĩnh vực",
    "procedure.create": "Thêm thủ tục",
    "procedure.update": "Sửa thủ tục",
    "procedure.delete": "Xóa thủ tục",
    "counter.create": "Thêm quầy",
    "counter.update": "Sửa quầy",
    "counter.delete": "Xóa quầy",
    "user.create": "Thêm người dùng",
    "user.update": "Sửa người dùng",
    "user.password": "Đặt lại mật khẩu",
    "user.logout_all": "Đăng xuất mọi nơi",
    "booking.settings": "Sửa cài đặt hẹn giờ, lấy số từ xa",
    "booking.move": "Dời lịch hẹn",
    "booking.cancel": "Hủy lịch hẹn",
    "device.create": "Thêm thiết bị",
    "device.update": "Sửa thiết bị",
    "device.revoke": "Thu hồi thiết bị",
    "device.reissue": "Cấp lại liên kết thiết bị",
    "device.printer": "Đổi máy in của kiosk",
    "voice.upload": "Tải lên giọng đọc",
    "voice.delete": "Xóa giọng đọc",
    "ratings.update": "Sửa thiết lập đánh giá và liên thông",
    "ratings.token": "Cấp mã tích hợp",
    "ratings.token_revoke": "Thu hồi mã tích hợp",
    "rating_alert.handle": "Xử lý đánh giá Không hài lòng",
}
# Names of settings and columns as the audit page shows them.
KEY_NAMES = {
    "name": "Tên",
    "printer": "Máy in phiếu",
    "address": "Địa chỉ",
    "open_time": "Giờ mở cửa",
    "lunch_start": "Nghỉ trưa từ",
    "lunch_end": "Làm việc lại",
    "close_time": "Giờ đóng cửa",
    "cutoff_time": "Ngừng cấp số",
    "working_days": "Ngày làm việc",
    "holidays": "Ngày nghỉ lễ",
    "region": "Giọng đọc",
    "rating_levels": "Số mức đánh giá",
    "rating_window_s": "Thời gian chờ đánh giá (giây)",
    "rating_reasons": "Lý do chưa hài lòng",
    "phone_rating": "Đánh giá qua điện thoại",
    "priority_ratio": "Lượt ưu tiên liên tiếp",
    "notices": "Thông báo",
    "ticket_footer": "Dòng cuối phiếu",
    "kiosk_ticket_seconds": "Hiện phiếu trên kiosk (giây)",
    "default_service_s": "Phục vụ mặc định (giây)",
    "rate_later_days": "Số ngày được đánh giá sau",
    "push_enabled": "Gửi tự động sang tỉnh",
    "push_url": "Địa chỉ nhận",
    "push_secret": "Khóa ký",
    "adapter": "Định dạng",
    "handled": "Đã xử lý",
    "note": "Ghi chú xử lý",
    "code": "Mã",
    "name_en": "Tên tiếng Anh",
    "prefix": "Chữ đầu số",
    "number_start": "Số bắt đầu",
    "first_number": "Số đầu tiên",
    "daily_cap": "Tối đa mỗi ngày",
    "sort_order": "Thứ tự",
    "active": "Đang dùng",
    "icon": "Biểu tượng",
    "number": "Số quầy",
    "fields": "Lĩnh vực",
    "state": "Trạng thái",
    "username": "Tên đăng nhập",
    "full_name": "Họ và tên",
    "role": "Vai trò",
    "counters": "Quầy",
    "password": "Mật khẩu",
    "kind": "Loại",
    "counter_id": "Quầy",
    "revoked_at": "Thu hồi lúc",
    "token": "Liên kết",
    "clip": "Bản ghi",
    "logo": "Logo",
    "documents": "Giấy tờ",
    "processing_time": "Thời hạn",
    "fee": "Phí",
    "locked": "Đang bị khóa",
    "sessions_ended": "Số phiên đã kết thúc",
    "settings": "Thiết lập",
    "last_seen": "Lần cuối",
    "created_at": "Tạo lúc",
    "field_id": "Lĩnh vực",
    "id": "Mã số",
}
# Bookkeeping columns a person does not need to read in the log.
HIDDEN_KEYS = {"id", "created_at", "last_seen", "first_number", "locked", "field_id", "state"}


# --------------------------------------------------------------------------- filters


def parse_filters(office_id, args) -> dict:
    """Check the filter strings of a query (``user``, ``kind``, ``from``, ``to``, ``q``, ``page``).

    Returns {"user", "kind", "from", "to", "q", "page"} with absent or empty ones as None (page 1);
    raises one Invalid naming every bad box (``fields: {name: message}``).
    """
    args = {key: (args.get(key) or "").strip() for key in ("user", "kind", "from", "to", "q", "page")}
    errors: dict[str, str] = {}
    result: dict = {"user": None, "kind": None, "from": None, "to": None, "q": None, "page": 1}
    if args["user"]:
        username = args["user"].lower()
        if User.select().where((User.office == office_id) & (User.username == username)).exists():
            result["user"] = username
        else:
            errors["user"] = f"Đơn vị không có người dùng “{args['user'][:64]}”."
    if args["kind"]:
        if args["kind"] in KINDS or args["kind"] in ACTION_NAMES:
            result["kind"] = args["kind"]
        else:
            errors["kind"] = "Loại thay đổi không có trong danh sách."
    for name in ("from", "to"):
        text = args[name]
        if not text:
            continue
        day = parse_date(text[:20])
        if day is None:
            errors[name] = f"“{text[:20]}” không phải ngày có thật; dùng dạng ngày/tháng/năm, ví dụ 02/09/2026."
        elif not YEARS[0] <= day.year <= YEARS[1]:
            errors[name] = f"Năm phải từ {YEARS[0]} đến {YEARS[1]}."
        else:
            result[name] = day
    if result["from"] and result["to"] and result["from"] > result["to"]:
        errors["to"] = "Đến ngày phải cùng ngày hoặc sau Từ ngày."
    if len(args["q"]) > Q_MAX:
        errors["q"] = f"Nội dung tìm tối đa {Q_MAX} ký tự."
    elif args["q"]:
        result["q"] = args["q"]
    if args["page"]:
        if args["page"].isdigit() and 1 <= int(args["page"]) <= MAX_PAGE:
            result["page"] = int(args["page"])
        else:
            errors["page"] = "Số trang phải là số nguyên dương."
    if errors:
        if len(errors) == 1:
            [(name, text)] = errors.items()
            message = f"Bộ lọc chưa hợp lệ ({LABELS[name]}): {text}"
        else:
            message = f"Bộ lọc chưa hợp lệ: có {len(errors)} ô sai, xem ghi chú màu đỏ bên cạnh từng ô."
        raise Invalid(message, fields=errors)
    return result


def query_args(filters: dict, page: int | None = None) -> dict:
    """The filters as query-string values (ISO dates), for links that keep them; page 1 is left out."""
    args = {}
    for name in ("user", "kind", "q"):
        if filters.get(name):
            args[name] = filters[name]
    for name in ("from", "to"):
        if filters.get(name):
            args[name] = filters[name].isoformat()
    page = filters.get("page", 1) if page is None else page
    if page and page > 1:
        args["page"] = page
    return args


def is_filtered(filters: dict) -> bool:
    """True when any filter other than the page is set."""
    return any(filters.get(name) for name in ("user", "kind", "from", "to", "q"))


# --------------------------------------------------------------------------- words


def fold(text: str, accents: bool = True) -> str:
    """Text for matching: case-folded; without Vietnamese accents (đ -> d) unless ``accents``."""
    text = unicodedata.normalize("NFC", text.casefold())
    if accents:
        return text
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.replace("đ", "d")


def show(value) -> str:
    """A before/after value as people read it."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "Có"
    if value is False:
        return "Không"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{KEY_NAMES.get(k, k)}: {show(v)}" for k, v in value.items())
    return str(value)


def namer(office_id: int):
    """A function giving a stored value the words people use for it (ids become names)."""
    fields = {f.id: f.name for f in Field.select(Field.id, Field.name).where(Field.office == office_id)}
    counters = {c.id: f"Quầy {c.number}" for c in store.counters(office_id)}
    by_key = {
        "kind": store.KIND_NAMES,
        "role": access.ROLE_NAMES,
        "region": store.REGION_NAMES,
        "working_days": calendar.WEEKDAYS,
        "fields": fields,
        "counters": counters,
        "counter_id": counters,
    }

    def name(key, value):
        table = by_key.get(key)
        if table is None or value is None:
            return value
        if isinstance(value, list):
            return [table.get(v, f"#{v}") for v in value]
        return table.get(value, value)

    return name


def changes(detail: dict, name) -> list[dict]:
    """Rows of (what, before, after) as the audit page shows them."""
    detail = detail if isinstance(detail, dict) else {}
    before, after = detail.get("before") or {}, detail.get("after") or {}
    keys = [k for k in dict.fromkeys([*after.keys(), *before.keys()]) if k not in HIDDEN_KEYS]
    rows = []
    for key in keys:
        old, new = name(key, before.get(key)), name(key, after.get(key))
        if not before and new in (None, "", [], {}):
            continue  # a new row's empty columns say nothing
        rows.append(
            {
                "name": KEY_NAMES.get(key, key),
                "before": show(old) if before else "",
                "after": show(new) if after else "",
            }
        )
    return rows


def _words(row: AuditLog, name) -> str:
    """Everything the page shows about a change except who and when: what the text search reads."""
    parts = [ACTION_NAMES.get(row.action, row.action), row.target]
    for change in changes(row.detail, name):
        parts += [change["name"], change["before"], change["after"]]
    return "\n".join(parts)


# --------------------------------------------------------------------------- the page


def _query(office_id: int, filters: dict):
    """The office's audit rows narrowed by who, what and when (the text is matched afterwards)."""
    office = get_office(office_id)
    query = AuditLog.select().where(AuditLog.office == office_id)
    if filters.get("user"):
        user = User.get((User.office == office_id) & (User.username == filters["user"]))
        query = query.where(AuditLog.user == user.id)
    kind = filters.get("kind")
    if kind in ACTION_NAMES:
        query = query.where(AuditLog.action == kind)
    elif kind:
        query = query.where(AuditLog.action.startswith(kind + "."))
    if filters.get("from"):
        query = query.where(AuditLog.at >= day_start_utc(office, filters["from"]))
    if filters.get("to"):
        query = query.where(AuditLog.at < day_start_utc(office, filters["to"] + dt.timedelta(days=1)))
    return query


def audit_page(office_id, page: int = 1, per_page: int = PER_PAGE, filters: dict | None = None):
    """One page of the office's audit log, newest first, narrowed by ``filters`` (parse_filters).

    Returns (rows, total matching). The text search matches the words the page shows (action,
    target, each change's name, before and after, with ids as names), case-insensitively; typed
    without accents ("dang ky") it also finds accented text ("Đăng ký").
    """
    filters = filters or {}
    query = _query(office_id, filters).order_by(AuditLog.id.desc())
    name = namer(office_id)
    if filters.get("q"):
        needle = fold(filters["q"])
        accents = needle != fold(needle, accents=False)
        needle = fold(needle, accents)
        # Done here, not in SQL: SQLite's LIKE folds ASCII only, and the words shown (names for ids,
        # setting names) are not in the stored row. One office's log is a few thousand rows.
        ids = [row.id for row in query.iterator() if needle in fold(_words(row, name), accents)]
        total = len(ids)
        chosen = ids[(page - 1) * per_page : page * per_page]
        page_rows = AuditLog.select().where(AuditLog.id.in_(chosen)).order_by(AuditLog.id.desc()) if chosen else []
    else:
        total = query.count()
        page_rows = query.paginate(page, per_page)
    users = {u.id: u for u in User.select().where(User.office == office_id)}
    rows = []
    for row in page_rows:
        user = users.get(row.user_id)
        rows.append(
            {
                "id": row.id,
                "at": iso(row.at),
                "action": row.action,
                "action_name": ACTION_NAMES.get(row.action, row.action),
                "target": row.target,
                "detail": row.detail,
                "user": user.username if user else None,
                "user_name": (user.full_name or user.username) if user else None,
                "changes": changes(row.detail, name),
            }
        )
    return rows, total
