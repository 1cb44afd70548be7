"""Counter room: the console page, counter choice rules, today's own figures (aggregates only) and
reprinting a ticket over HTTP."""

import datetime as dt

import ticketing
from conftest import make_counter, make_user, make_ticket
from models import Counter, PrintJob, Rating, TicketEvent, utcnow


# --------------------------------------------------------------------------- page and counters


def test_console_page_documents_every_shortcut(client):
    text = client.get("/counter").get_data(as_text=True)
    for words in ("Gọi số tiếp theo", "F1 / Space", "Gọi lại", "Bắt đầu phục vụ", "Kết thúc", "Vắng mặt",
                  "Chuyển…", "In lại phiếu", "Tạm dừng…", "Nghỉ trưa", "Họp", "Vắng mặt tạm thời"):
        assert words in text
    assert 'name="csrf-token"' in text and "js/counter.js" in text


def test_session_lists_only_the_counters_assigned(office, api):
    body = api().post("/api/session", json={"username": "canbo1", "password": "mat-khau-thu-123"}).get_json()
    assert [c["number"] for c in body["counters"]] == [1]


def test_clerk_without_counters_gets_an_empty_list(office, api):
    make_user(office.office, "clerk", username="canbo_moi")
    assert api("canbo_moi").get("/api/session").get_json()["counters"] == []


def test_clerk_cannot_open_a_counter_not_assigned(office, api):
    response = api("canbo1").post(f"/api/counters/{office.c2.id}/open")
    assert response.status_code == 403
    assert response.get_json()["message"] == "Bạn không được phân công quầy này."


def test_opening_puts_the_clerk_on_duty(office, api):
    body = api("canbo1").post(f"/api/counters/{office.c1.id}/open").get_json()
    assert body["counter"]["clerk_name"] == "Trần Thị Hoa" and body["counter"]["state"] == "open"


def test_closing_a_counter_that_holds_a_ticket_is_refused(office, api):
    make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    response = clerk.post(f"/api/counters/{office.c1.id}/close")
    assert response.status_code == 409 and response.get_json()["error"] == "counter_busy"


# --------------------------------------------------------------------------- today's figures


def serve(office, clerk, counter, called, served_s, rating=None):
    """One ticket called at ``called``, started a minute later, served ``served_s`` seconds."""
    ticket = make_ticket(office.f1)
    ticketing.call_ticket(counter.id, ticket.id, user=clerk, now=called)
    ticketing.start(ticket.id, user=clerk, now=called + dt.timedelta(minutes=1))
    ticketing.finish(ticket.id, user=clerk, now=called + dt.timedelta(minutes=1, seconds=served_s))
    if rating:
        Rating.create(ticket=ticket.id, office=office.office.id, field=office.f1.id, counter=counter.id,
                      clerk=clerk.id, level=rating, scale=3)
    return ticket


def recent():
    """A moment a few minutes ago (still today for the office unless the test runs at midnight)."""
    return utcnow() - dt.timedelta(minutes=5)


def test_today_counts_served_tickets_and_average_service_time(office, api):
    serve(office, office.clerk1, office.c1, recent(), 180)
    serve(office, office.clerk1, office.c1, recent(), 120)
    body = api("canbo1").get("/api/me/today").get_json()
    assert (body["served"], body["avg_service_s"]) == (2, 150)


def test_today_of_a_clerk_leaves_out_other_clerks(office, api):
    serve(office, office.clerk2, office.c2, recent(), 60)
    body = api("canbo1").get("/api/me/today").get_json()
    assert (body["served"], body["avg_service_s"], body["ratings"]["count"]) == (0, None, 0)


def test_today_ratings_are_aggregates_only(office, api):
    levels = (3, 2, 1, 3, 3)
    numbers = [serve(office, office.clerk1, office.c1, recent(), 60, rating=level).display_number
               for level in levels]
    response = api("canbo1").get("/api/me/today")
    ratings = response.get_json()["ratings"]
    assert (ratings["count"], ratings["pending"], ratings["satisfied"], ratings["satisfied_pct"]) == (5, 0, 4, 80)
    assert [(lv["label"], lv["count"]) for lv in ratings["levels"]] == [
        ("Rất hài lòng", 3), ("Hài lòng", 1), ("Không hài lòng", 1)]
    text = response.get_data(as_text=True)
    assert "ticket" not in text and not any(n in text for n in numbers)


def test_one_new_rating_does_not_move_the_clerks_figures(office, api):
    for level in (3, 3, 3, 3, 3):
        serve(office, office.clerk1, office.c1, recent(), 60, rating=level)
    clerk = api("canbo1")
    before = clerk.get("/api/me/today").get_json()["ratings"]
    serve(office, office.clerk1, office.c1, recent(), 60, rating=1)  # one citizen's verdict
    after = clerk.get("/api/me/today").get_json()["ratings"]
    assert (after["count"], after["satisfied_pct"], after["levels"]) == (
        before["count"], before["satisfied_pct"], before["levels"])
    assert after["pending"] == 1


def test_today_counts_no_shows_and_transfers(office, api):
    clerk = api("canbo1")
    for _ in range(2):
        make_ticket(office.f1)
    first = clerk.post(f"/api/counters/{office.c1.id}/call-next").get_json()["ticket"]
    clerk.post(f"/api/tickets/{first['id']}/no-show")
    second = clerk.post(f"/api/counters/{office.c1.id}/call-next").get_json()["ticket"]
    clerk.post(f"/api/tickets/{second['id']}/transfer", json={"field": office.f2.id, "note": "Cần chứng thực"})
    body = clerk.get("/api/me/today").get_json()
    assert (body["no_show"], body["transferred"], body["served"]) == (1, 1, 0)


def test_today_leaves_out_yesterday(office, api):
    yesterday = utcnow() - dt.timedelta(days=1)
    ticket = ticketing.issue_ticket(office.office.id, office.f1.id, now=yesterday).ticket
    ticketing.call_ticket(office.c1.id, ticket.id, user=office.clerk1, now=yesterday)
    ticketing.finish(ticket.id, user=office.clerk1, now=yesterday + dt.timedelta(minutes=3))
    assert api("canbo1").get("/api/me/today").get_json()["served"] == 0


def test_today_needs_a_person(office, api, client):
    assert client.get("/api/me/today").status_code == 401
    assert api(device=office.kiosk_token).get("/api/me/today").status_code == 403


# --------------------------------------------------------------------------- reprint


def printing_on(app):
    """Pretend a ticket printer is configured (the worker is another room's job)."""
    app.config["PRINTER"] = "tcp://127.0.0.1:9100"


def test_reprint_queues_a_print_job_for_the_kiosk_that_issued_it(app, office, api):
    printing_on(app)
    ticket = ticketing.issue_ticket(office.office.id, office.f1.id, kiosk=office.kiosk).ticket
    response = api("canbo1").post(f"/api/tickets/{ticket.id}/reprint")
    assert response.status_code == 201 and response.get_json()["duplicate"] is False
    job = PrintJob.get_by_id(response.get_json()["print_job_id"])
    assert (job.ticket_id, job.kiosk_id, job.state, job.kind) == (ticket.id, office.kiosk.id, "pending", "ticket")
    event = TicketEvent.get((TicketEvent.ticket == ticket.id) & (TicketEvent.kind == "reprint"))
    assert event.user_id == office.clerk1.id


def test_reprint_pressed_twice_prints_once(app, office, api):
    printing_on(app)
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    first = clerk.post(f"/api/tickets/{ticket.id}/reprint").get_json()
    second = clerk.post(f"/api/tickets/{ticket.id}/reprint")
    assert second.status_code == 200 and second.get_json()["duplicate"] is True
    assert second.get_json()["print_job_id"] == first["print_job_id"]
    assert PrintJob.select().where(PrintJob.ticket == ticket.id).count() == 1


def test_reprint_after_the_first_is_printed_queues_another(app, office, api):
    printing_on(app)
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/tickets/{ticket.id}/reprint")
    PrintJob.update(state="done").execute()
    assert clerk.post(f"/api/tickets/{ticket.id}/reprint").status_code == 201
    assert PrintJob.select().where(PrintJob.ticket == ticket.id).count() == 2


def test_reprint_of_a_finished_ticket_is_refused(app, office, api):
    printing_on(app)
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    response = clerk.post(f"/api/tickets/{ticket.id}/reprint")
    assert response.status_code == 409 and response.get_json()["error"] == "invalid_state"
    assert "đã xong" in response.get_json()["message"]
    assert PrintJob.select().count() == 0


def test_reprint_without_a_printer_says_so(office, api):
    ticket = make_ticket(office.f1)
    response = api("canbo1").post(f"/api/tickets/{ticket.id}/reprint")
    assert response.status_code == 409 and response.get_json()["error"] == "printer_off"
    assert PrintJob.select().count() == 0


def test_reprint_of_a_ticket_at_someone_elses_counter_is_forbidden(app, office, api):
    printing_on(app)
    ticket = make_ticket(office.f1)
    api("canbo2").post(f"/api/counters/{office.c2.id}/call-next")
    assert api("canbo1").post(f"/api/tickets/{ticket.id}/reprint").status_code == 403


def test_reprint_is_for_staff_only(app, office, api, client):
    printing_on(app)
    ticket = make_ticket(office.f1)
    assert api(device=office.kiosk_token).post(f"/api/tickets/{ticket.id}/reprint").status_code == 403
    assert client.post(f"/api/tickets/{ticket.id}/reprint").status_code == 401
    assert api("canbo1").post("/api/tickets/999999/reprint").status_code == 404


def test_paused_counter_reopens_when_it_calls(office, api):
    make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/pause", json={"reason": "Nghỉ trưa"})
    assert Counter.get_by_id(office.c1.id).pause_reason == "Nghỉ trưa"
    assert clerk.post(f"/api/counters/{office.c1.id}/call-next").status_code == 200
    assert Counter.get_by_id(office.c1.id).state == "open"


def test_extra_counter_serves_only_its_field(office, api):
    counter = make_counter(office.office, [office.f2], number=7)
    make_user(office.office, "clerk", [counter], username="canbo7")
    make_ticket(office.f1)
    response = api("canbo7").post(f"/api/counters/{counter.id}/call-next")
    assert response.status_code == 409 and response.get_json()["error"] == "queue_empty"
