"""Kiosk room: the touch kiosk page, its pairing instructions, and the office logo.

The page is rendered with everything it needs to work at once (office, fields, opening state,
priority categories, texts in Vietnamese and English); it then follows the office live over
Socket.IO and issues tickets through ``POST /api/tickets``.
"""

from __future__ import annotations

from flask import Response, g, render_template, request

import errors
import realtime
import security
import ticketing
from models import PriorityCategory
from rules import access, calendar
from security import require
from ticketing import appointments

from . import printers
from .blueprint import bp

# Seconds without a touch before a sub-page (priority step, procedures, an error) goes home.
IDLE_SECONDS = 60

# Logo types served as they are; anything else is refused (a logo must never become a page).
LOGO_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")

# Every text of the kiosk: key -> (Vietnamese, English). {name} marks a value filled in by the page.
TEXTS = {
    "lang_button": ("English", "Tiếng Việt"),
    "lang_code": ("EN", "VI"),
    "home_title": ("Mời chọn lĩnh vực cần giải quyết", "Please choose a service"),
    "home_hint": ("Chạm vào ô lĩnh vực để lấy số thứ tự", "Touch a service to take a number"),
    "waiting_people": ("Đang chờ: {n} người", "Waiting: {n}"),
    "waiting_none": ("Không có người chờ", "Nobody waiting"),
    "wait_none": ("Không phải chờ", "No wait"),
    "wait_minutes": ("Chờ khoảng {m} phút", "Wait about {m} min"),
    "wait_hours": ("Chờ khoảng {h} giờ {m} phút", "Wait about {h} h {m} min"),
    "field_closed": ("Tạm ngừng tiếp nhận", "Not accepting now"),
    "no_counter": ("Chưa có quầy mở", "No counter open yet"),
    "no_fields": ("Hiện chưa có lĩnh vực nào tiếp nhận hồ sơ. Xin hỏi cán bộ.",
                  "No service is accepting applications now. Please ask the staff."),
    "lunch": ("Đang giờ nghỉ trưa, cán bộ tiếp tục làm việc lúc {time}. Quý vị vẫn lấy số được.",
              "Lunch break: service resumes at {time}. You can still take a number."),
    "procedures_button": ("Thủ tục hành chính", "Administrative procedures"),
    "closed_title": ("Hiện không cấp số thứ tự", "Numbers are not issued now"),
    "closed_holiday": ("Hôm nay là ngày nghỉ lễ.", "Today is a public holiday."),
    "closed_day_off": ("Hôm nay không phải ngày làm việc.", "Today is not a working day."),
    "closed_not_yet_open": ("Chưa đến giờ làm việc.", "The office is not open yet."),
    "closed_after_cutoff": ("Đã hết giờ cấp số hôm nay (sau {time}).", "No more numbers today (after {time})."),
    "closed_other": ("Văn phòng đang tạm ngừng cấp số.", "The office is not issuing numbers now."),
    "reopens": ("Cấp số trở lại lúc", "Numbers again from"),
    "today": ("Hôm nay", "Today"),
    "tomorrow": ("Ngày mai", "Tomorrow"),
    "hours": ("Giờ làm việc: {hours}", "Office hours: {hours}"),
    "priority_title": ("Quý vị có thuộc đối tượng ưu tiên không?", "Are you in a priority group?"),
    "priority_field": ("Lĩnh vực: {field}", "Service: {field}"),
    "no_priority": ("Không ưu tiên", "No priority"),
    "priority_note": ("Cán bộ có thể đề nghị xuất trình giấy tờ chứng minh đối tượng ưu tiên.",
                      "Staff may ask for a document proving the priority group."),
    "back": ("Quay lại", "Back"),
    "issuing": ("Đang lấy số thứ tự, xin chờ…", "Getting your number, please wait…"),
    "pending_title": ("Mất kết nối tới máy chủ", "Connection to the server lost"),
    "pending_text": ("Máy đang thử lại để lấy số cho Quý vị. Xin chờ, đừng rời đi.",
                     "Retrying to get your number. Please wait here."),
    "cancel": ("Hủy", "Cancel"),
    "ticket_label": ("Số thứ tự của Quý vị", "Your number"),
    "ticket_priority": ("Ưu tiên: {name}", "Priority: {name}"),
    "ticket_field": ("Lĩnh vực", "Service"),
    "ticket_ahead": ("Số người chờ trước Quý vị", "People ahead of you"),
    "ticket_wait": ("Thời gian chờ dự kiến", "Estimated wait"),
    "ticket_wait_none": ("Sắp đến lượt", "Almost your turn"),
    "about_minutes": ("Khoảng {m} phút", "About {m} min"),
    "about_hours": ("Khoảng {h} giờ {m} phút", "About {h} h {m} min"),
    "ticket_qr": ("Quét mã để theo dõi số trên điện thoại", "Scan to follow your number on a phone"),
    "ticket_keep": ("Vui lòng giữ phiếu và theo dõi màn hình", "Please keep your ticket and watch the screen"),
    "print_printing": ("Đang in phiếu…", "Printing your ticket…"),
    "print_done": ("Đã in phiếu. Mời nhận phiếu bên dưới.", "Printed. Please take your ticket below."),
    "print_paper_out": ("Máy in hết giấy, vui lòng ghi nhớ số", "The printer is out of paper: please remember your number"),
    "print_failed": ("Chưa in được phiếu, vui lòng ghi nhớ số", "The ticket could not be printed: please remember your number"),
    "done": ("Xong", "Done"),
    "error_title": ("Chưa lấy được số thứ tự", "No number was issued"),
    "error_network": ("Mất kết nối tới máy chủ. Vui lòng thử lại sau ít phút hoặc hỏi cán bộ.",
                      "The server cannot be reached. Please try again in a few minutes or ask the staff."),
    "error_cap": ("Lĩnh vực này đã hết số trong ngày hôm nay.", "This service has no numbers left today."),
    "error_generic": ("Đã có lỗi. Vui lòng thử lại hoặc hỏi cán bộ.", "Something went wrong. Please try again or ask the staff."),
    "ok": ("Đồng ý", "OK"),
    "offline_title": ("Đang kết nối lại…", "Reconnecting…"),
    "offline_text": ("Tạm thời chưa cấp số. Xin chờ trong giây lát.", "Numbers cannot be issued for a moment. Please wait."),
    "proc_title": ("Thủ tục hành chính", "Administrative procedures"),
    "proc_schedule": ("Lịch tiếp nhận hồ sơ", "Reception schedule"),
    "proc_days": ("Ngày làm việc", "Working days"),
    "proc_morning": ("Buổi sáng", "Morning"),
    "proc_afternoon": ("Buổi chiều", "Afternoon"),
    "proc_hours": ("Giờ làm việc", "Hours"),
    "proc_cutoff": ("Cấp số đến", "Numbers issued until"),
    "proc_time": ("Thời hạn giải quyết", "Legal processing time"),
    "proc_fee": ("Phí, lệ phí", "Fee"),
    "proc_documents": ("Hồ sơ gồm", "Documents required"),
    "proc_none": ("Chưa có thủ tục nào được công bố cho lĩnh vực này.", "No procedure is listed for this service yet."),
    "proc_loading": ("Đang tải danh sách thủ tục…", "Loading the procedures…"),
    "proc_failed": ("Chưa tải được danh sách thủ tục. Máy sẽ thử lại khi có kết nối.",
                    "The procedures could not be loaded. The kiosk will retry when connected."),
    "proc_count": ("{n} thủ tục", "{n} procedures"),
    "scroll_up": ("Lên", "Up"),
    "scroll_down": ("Xuống", "Down"),
    "not_specified": ("Chưa quy định", "Not specified"),
    "and": ("và", "and"),
    "weekdays": (calendar.weekday_names("vi"), calendar.weekday_names("en")),
    # Check-in of an appointment (issue 16: booking room, static/js/kiosk-checkin.js).
    "checkin_button": ("Đã đặt lịch hẹn", "I have an appointment"),
    "checkin_title": ("Lấy số theo lịch hẹn", "Check in for your appointment"),
    "checkin_hint": ("Đưa mã QR của lịch hẹn trước máy quét hoặc camera, hoặc nhập mã 8 số.",
                     "Show your appointment's QR code to the scanner or the camera, or type its 8-digit code."),
    "checkin_camera": ("Quét bằng camera", "Scan with the camera"),
    "checkin_camera_stop": ("Tắt camera", "Stop the camera"),
    "checkin_no_camera": ("Không mở được camera. Xin nhập mã.", "The camera could not be opened. Please type the code."),
    "checkin_clear": ("Xóa", "Clear"),
    "checkin_ok": ("Lấy số", "Get my number"),
    "checkin_checking": ("Đang kiểm tra lịch hẹn…", "Checking your appointment…"),
    # The server's refusals, said in English by their code (Vietnamese shows the server's own message).
    "error_bad_code": ("Mã đặt lịch gồm 8 chữ số (hoặc quét mã QR của lịch hẹn).",
                       "The booking code has 8 digits (or scan your appointment's QR code)."),
    "error_booking_not_found": ("Không tìm thấy lịch hẹn với mã này. Xin kiểm tra lại hoặc hỏi cán bộ.",
                                "No appointment was found with this code. Please check it or ask the staff."),
    "error_booking_cancelled": ("Lịch hẹn này đã bị hủy. Xin lấy số như người đến trực tiếp.",
                                "This appointment was cancelled. Please take a number like a walk-in."),
    "error_booking_other_day": ("Lịch hẹn của Quý vị vào ngày khác. Xin quay lại đúng ngày hẹn, hoặc lấy số như "
                                "người đến trực tiếp.",
                                "Your appointment is on another day. Please come back on that day, or take a "
                                "number like a walk-in."),
    "error_too_many": ("Máy lấy số đang cấp số quá nhanh. Xin chờ một phút rồi thử lại.",
                       "Too many numbers at once. Please wait a minute and try again."),
    "error_field_closed": ("Lĩnh vực này đang tạm ngừng tiếp nhận.", "This service is not accepting now."),
}


def texts_by_language() -> dict:
    """The texts as {"vi": {...}, "en": {...}} for the page."""
    return {lang: {key: pair[i] for key, pair in TEXTS.items()} for i, lang in enumerate(("vi", "en"))}


def priority_categories(office_id: int) -> list[dict]:
    """The office's active priority categories as a kiosk offers them (this page and the API)."""
    return [{"code": c.code, "name": c.name, "name_en": c.name_en, "icon": c.icon}
            for c in PriorityCategory.for_office(office_id, active_only=True)]


def _unpaired(status: int, device=None):
    """The page telling staff how to pair this screen (or that it is paired as something else)."""
    admin_url = request.host_url.rstrip("/") + "/admin"
    return render_template("kiosk/unpaired.html", admin_url=admin_url, device=device), status


@bp.get("/kiosk")
def kiosk_page():
    """The kiosk screen for a paired kiosk; pairing instructions for anything else."""
    device = g.get("device")
    if device is None:
        return _unpaired(401)
    if device.kind != "kiosk":
        return _unpaired(403, device)
    office = ticketing.get_office(device.office_id)
    config = {
        "office": realtime.office_payload(office),
        "timezone": office.timezone or "Asia/Ho_Chi_Minh",
        "ticket_seconds": max(3, office.kiosk_ticket_seconds or 15),
        "idle_seconds": IDLE_SECONDS,
        # This kiosk's own printer (issue 14): how its tickets print, so the screen can say what happened.
        # (kind and paper only: the printer's address is none of the kiosk page's business)
        "printer": {k: v for k, v in printers.printer_of(device).as_dict().items() if k in ("kind", "paper_mm")},
        "fields": realtime.fields_payload(office),
        "opening": ticketing.opening_state(office),
        "categories": priority_categories(office.id),
        "texts": texts_by_language(),
        "checkin": appointments.settings_for(office.id).booking_enabled,  # appointments are checked in here
    }
    return render_template("kiosk/index.html", office=office, config=config)


@bp.get("/kiosk/logo")
@require(roles=access.STAFF, devices=access.OFFICE_DEVICES)
def kiosk_logo():
    """The office's logo image (404 when the office has none)."""
    office = ticketing.get_office(security.current_office_id())
    if not office.logo or office.logo_type not in LOGO_TYPES:
        raise errors.NotFound("Văn phòng chưa có biểu trưng (logo).")
    response = Response(bytes(office.logo), mimetype=office.logo_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    # An SVG opened on its own must not run scripts.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
