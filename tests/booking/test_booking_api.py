"""Booking room, HTTP: the join code and page, a number from the phone, the public booking API, the
kiosk's check-in, the staff's list, move and cancel, and the settings (booking.api, .pages, .settings)."""

import datetime as dt
import json
import re

import pytest

import ticketing
from models import Appointment, AuditLog, BookingSettings, Office, Ticket
from ticketing import appointments, remote


@pytest.fixture
def display(office, api):
    """The office's display device."""
    return api(device=office.display_token)


def _join(client, office_id, code):
    """Open the join page; its pass (None when the page has none) and the answer."""
    page = client.get(f"/j/{office_id}/{code}")
    found = re.search(r'<script type="application/json" id="join-config">(.*?)</script>', page.get_data(as_text=True), re.S)
    return (json.loads(found.group(1))["pass"] if found else None), page


def _future_slot(client, office, field):
    """The first free slot of tomorrow for a field."""
    info = client.get(f"/api/public/offices/{office.office.id}/booking?field={field.id}").get_json()
    tomorrow = info["days"][1]
    return tomorrow["date"], tomorrow["slots"][0]["slot"]


def test_only_displays_and_staff_read_the_join_code(office, api, display):
    body = display.get("/api/join/code").get_json()
    assert body["enabled"] and body["url"].endswith(f"/j/{office.office.id}/{body['code']}")
    assert api(device=office.kiosk_token).get("/api/join/code").status_code == 403
    assert api().get("/api/join/code").status_code == 401
    assert api(username="canbo1").get("/api/join/code").status_code == 200


def test_a_phone_takes_two_numbers_and_the_third_is_refused(office, app, display):
    code = display.get("/api/join/code").get_json()["code"]
    phone = app.test_client()
    first_pass, page = _join(phone, office.office.id, code)
    assert page.status_code == 200 and "motcua_phone" in page.headers.get("Set-Cookie", "")
    first = phone.post("/api/join/tickets", json={"pass": first_pass, "field": office.f1.id})
    assert first.status_code == 201 and first.get_json()["status_url"].endswith("/t/" + first.get_json()["public_token"])
    assert Ticket.get(Ticket.public_token == first.get_json()["public_token"]).channel == "phone"
    second_pass, _ = _join(phone, office.office.id, code)
    assert phone.post("/api/join/tickets", json={"pass": second_pass, "field": office.f2.id,
                                                 "priority": office.prio.code}).status_code == 201
    third = phone.post("/api/join/tickets", json={"pass": second_pass, "field": office.f1.id})
    assert third.status_code == 429 and third.get_json()["error"] == "limit_reached"
    assert "tối đa 2 số" in third.get_json()["message"]
    _, page = _join(phone, office.office.id, code)  # the page lists the phone's numbers of today
    assert "Số bạn đã lấy hôm nay" in page.get_data(as_text=True)


def test_an_old_or_made_up_code_gets_a_clear_page(office, app):
    old = remote.current_join(app.secret_key, office.office.id, 60, ticketing.utcnow() - dt.timedelta(minutes=3))["code"]
    for code in (old, "abcdefghij", "x"):
        pass_, page = _join(app.test_client(), office.office.id, code)
        assert (page.status_code, pass_) == (410, None)
        assert "Mã QR này đã hết hạn" in page.get_data(as_text=True)
    assert app.test_client().get("/j/999/abcdefghij").status_code == 404


def test_a_forged_or_stale_pass_takes_no_number(office, app, display, monkeypatch):
    phone = app.test_client()
    refused = phone.post("/api/join/tickets", json={"pass": "made-up", "field": office.f1.id})
    assert (refused.status_code, refused.get_json()["error"]) == (403, "join_refused")
    pass_, _ = _join(phone, office.office.id, display.get("/api/join/code").get_json()["code"])
    from booking import web

    monkeypatch.setattr(web, "PASS_MAX_AGE_S", -1)
    stale = phone.post("/api/join/tickets", json={"pass": pass_, "field": office.f1.id})
    assert (stale.status_code, stale.get_json()["error"]) == (403, "join_expired")


def test_join_can_be_turned_off(office, app, display):
    BookingSettings.create(office=office.office, join_enabled=False)
    assert display.get("/api/join/code").get_json() == {"enabled": False}
    assert app.test_client().get(f"/j/{office.office.id}/abcdefghij").status_code == 404


def test_booking_through_the_api_and_cancelling_from_its_link(office, client):
    day, slot = _future_slot(client, office, office.f1)
    made = client.post("/api/public/bookings", json={"office": office.office.id, "field": office.f1.id, "day": day,
                                                     "slot": slot, "name": "Phạm Thị Dung", "phone": "0987 654 321"})
    assert made.status_code == 201
    body = made.get_json()
    assert body["phone"] == "0987•••321" and "Phạm" not in json.dumps(body, ensure_ascii=False)
    page = client.get(f"/b/{body['token']}")
    assert page.status_code == 200 and body["code_text"] in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    cancelled = client.delete(f"/api/public/bookings/{body['token']}").get_json()
    assert cancelled["state"] == "cancelled" and not cancelled["can_cancel"]
    assert client.get("/api/public/bookings/not-a-real-token-at-all").status_code == 404


def test_bad_booking_input_is_a_clear_422(office, client):
    day, slot = _future_slot(client, office, office.f1)
    base = {"office": office.office.id, "field": office.f1.id, "day": day, "slot": slot, "name": "A", "phone": "0912345678"}
    for change, field in (({"day": "27/11/2026"}, "day"), ({"phone": "12"}, "phone"), ({"slot": "25:00"}, "slot"),
                          ({"name": ""}, "name"), ({"office": "1"}, "office")):
        answer = client.post("/api/public/bookings", json=dict(base, **change))
        assert answer.status_code == 422 and field in answer.get_json()["fields"], change
    assert client.post("/api/public/bookings", json=dict(base, field=999)).status_code == 404
    assert client.get(f"/api/public/offices/{office.office.id}/booking?field=999").status_code == 404


def _booking_due_now(office):
    """A booking of today whose slot started within the last 30 minutes (booked an hour before it)."""
    Office.update(lunch_start="00:00", lunch_end="00:00").where(Office.id == office.office.id).execute()
    BookingSettings.create(office=office.office, early_min=30, late_min=30)
    local = ticketing.local_now(office.office)
    start = local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)
    booked_at = start.astimezone(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(hours=1)
    return appointments.book(office.office.id, office.f1.id, start.date(), start.strftime("%H:%M"), "Lê Thị E",
                             "0912345678", now=booked_at)


def test_kiosk_checks_a_booking_in_and_a_display_cannot(office, api):
    booking = _booking_due_now(office)
    kiosk = api(device=office.kiosk_token)
    answer = kiosk.post("/api/bookings/check-in", json={"code": booking.code[:4] + "-" + booking.code[4:]})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["booking"]["on_time"] and "Đúng giờ hẹn" in body["booking"]["message"]
    assert body["print"] == {"kind": "none"} and Ticket.get(Ticket.public_token == body["public_token"]).booked_slot
    again = kiosk.post("/api/bookings/check-in", json={"code": booking.code})
    assert again.status_code == 200 and again.get_json()["number"] == body["number"]
    assert api(device=office.display_token).post("/api/bookings/check-in", json={"code": booking.code}).status_code == 403
    assert kiosk.post("/api/bookings/check-in", json={"code": "12"}).get_json()["error"] == "bad_code"


def test_check_ins_and_wrong_codes_count_against_the_kiosks_rate(office, app, api):
    app.config["KIOSK_TICKETS_PER_MINUTE"] = 3
    kiosk = api(device=office.kiosk_token)
    answers = [kiosk.post("/api/bookings/check-in", json={"code": f"{n:08d}"}) for n in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert answers[3].get_json()["error"] == "too_many_tickets"


def test_staff_see_move_and_cancel_with_an_audit_row(office, api, client):
    day, slot = _future_slot(client, office, office.f1)
    made = client.post("/api/public/bookings", json={"office": office.office.id, "field": office.f1.id, "day": day,
                                                     "slot": slot, "name": "Vũ Văn G", "phone": "0912345678"}).get_json()
    clerk = api(username="canbo1")
    listed = clerk.get(f"/api/bookings?day={day}").get_json()
    row = listed["bookings"][0]
    assert (row["name"], row["phone"], listed["slots"][0]["booked"]) == ("Vũ Văn G", "0912345678", 1)
    moved = clerk.post(f"/api/bookings/{row['id']}/move", json={"day": day, "slot": "16:00"})
    assert moved.status_code == 200 and moved.get_json()["booking"]["slot"] == "16:00"
    assert clerk.post(f"/api/bookings/{row['id']}/cancel").get_json()["booking"]["state"] == "cancelled"
    assert [a.action for a in AuditLog.select().order_by(AuditLog.id)] == ["booking.move", "booking.cancel"]
    assert api(device=office.kiosk_token).get("/api/bookings").status_code == 403
    assert api().get("/api/bookings").status_code == 401
    assert client.get(f"/api/public/bookings/{made['token']}").get_json()["state"] == "cancelled"


def test_another_offices_staff_cannot_touch_a_booking(office, api, client):
    day, slot = _future_slot(client, office, office.f1)
    client.post("/api/public/bookings", json={"office": office.office.id, "field": office.f1.id, "day": day,
                                              "slot": slot, "name": "H", "phone": "0912345678"})
    other = Office.create(name="UBND xã Khác", open_time="00:00", close_time="23:59", cutoff_time="23:59",
                          working_days=[1, 2, 3, 4, 5, 6, 7])
    from conftest import make_user

    make_user(other, "admin", username="admin_other")
    booking_id = Appointment.get().id
    stranger = api(username="admin_other")
    assert stranger.post(f"/api/bookings/{booking_id}/cancel").status_code == 404
    assert stranger.get(f"/api/bookings?day={day}").get_json()["bookings"] == []


def test_settings_are_checked_saved_whole_and_audited(office, api):
    admin = api(username="admin1")
    bad = admin.client.put("/api/admin/booking-settings", json={"slot_minutes": 3, "notify_url": "ftp://x",
                                                                f"capacity_{office.f1.id}": 500, "capacity_9999": 1},
                           headers={"X-CSRF-Token": admin.csrf})
    assert bad.status_code == 422
    assert set(bad.get_json()["fields"]) == {"slot_minutes", "notify_url", f"capacity_{office.f1.id}", "capacity_9999"}
    assert BookingSettings.select().count() == 0
    good = admin.client.put("/api/admin/booking-settings", headers={"X-CSRF-Token": admin.csrf},
                            json={"slot_capacity": 4, f"capacity_{office.f2.id}": 0, "appointment_ratio": 3,
                                  "notify_url": "https://sms.example.vn/hook", "notify_secret": "khoa"})
    assert good.status_code == 200 and good.get_json()["notify_secret_set"] and "khoa" not in good.get_data(as_text=True)
    assert Office.get_by_id(office.office.id).appointment_ratio == 3
    assert appointments.capacity_of(appointments.settings_for(office.office.id), office.f2.id) == 0
    entry = AuditLog.get(AuditLog.action == "booking.settings")
    assert entry.detail["after"]["notify_secret"] == "•••" and "khoa" not in json.dumps(entry.detail)
    leader = api(username="lanhdao1")
    assert leader.get("/api/admin/booking-settings").status_code == 200
    assert leader.client.put("/api/admin/booking-settings", json={"slot_capacity": 1},
                             headers={"X-CSRF-Token": leader.csrf}).status_code == 403
    assert api(username="admin1").get("/admin/booking").status_code == 200


def test_field_capacity_in_the_json_form_get_answers_is_taken_or_refused(office, api):
    """PUT takes back what GET gives ({"field_capacity": {id: places}}): checked, saved, clearable."""
    admin = api(username="admin1")

    def put(body):
        return admin.client.put("/api/admin/booking-settings", json=body, headers={"X-CSRF-Token": admin.csrf})

    f1 = str(office.f1.id)
    assert put({"field_capacity": {f1: -2}}).status_code == 422
    assert put({"field_capacity": [1, 2]}).status_code == 422
    assert put({"field_capacity": {"9999": 1}}).status_code == 422
    assert BookingSettings.select().count() == 0  # nothing half-saved
    assert put({"field_capacity": {f1: 3}}).get_json()["field_capacity"] == {f1: 3}
    assert admin.get("/api/admin/booking-settings").get_json()["field_capacity"] == {f1: 3}
    assert put({"field_capacity": {}}).get_json()["field_capacity"] == {}


def test_the_booking_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/join/code", "/api/join/tickets", "/api/public/bookings", "/api/public/bookings/{token}",
                 "/api/bookings/check-in", "/api/bookings/{booking_id}/move", "/api/admin/booking-settings"):
        assert path in paths


def test_a_booking_form_error_names_the_box_as_the_page_does(office, client):
    """The citizen reads "Họ và tên", "Số điện thoại", never the JSON key ("name", "phone")."""
    day, slot = _future_slot(client, office, office.f1)
    base = {"office": office.office.id, "field": office.f1.id, "day": day, "slot": slot,
            "name": "Phạm Thị Dung", "phone": "0987654321"}
    for key, bad, words in (("name", "  ", "Họ và tên"), ("name", "A" * 200, "Họ và tên"),
                            ("phone", "", "Số điện thoại"), ("day", "1/12/2026", "năm-tháng-ngày")):
        answer = client.post("/api/public/bookings", json=dict(base, **{key: bad}))
        body = answer.get_json()
        assert answer.status_code == 422 and words in body["message"], body
        assert f"“{key}”" not in body["message"] and body["fields"] == {key: body["fields"][key]}
