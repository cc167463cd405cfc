"""Tags (with the queue filter) and customer care notes, through HTTP."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Customer, Ticket, TicketTag
from tests import support
from tests.test_agent_queue import _open


def test_tags_are_added_normalized_filtered_and_removed(app, logged_in):
    client, _ = logged_in
    [tagged] = _open(app, 1, subject="Fiber down", email="a@example.test")
    [other] = _open(app, 1, subject="Invoice question", email="b@example.test")
    page = client.get(f"/agent/tickets/{tagged}").get_data(as_text=True)
    token = support.csrf_token(page)
    response = client.post(
        f"/agent/tickets/{tagged}/tags",
        data={"csrf_token": token, "tags": "Fiber Outage, Växjö; fiber-outage"},
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tags saved." in html
    with app.app_context():
        assert set(db.session.scalars(select(TicketTag.tag))) == {"fiber-outage", "växjö"}
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.tag_added"))
        assert audit.ticket_id == tagged and sorted(audit.detail["tags"]) == [
            "fiber-outage",
            "växjö",
        ]
    # The queue filters by tag and lists the tags on each row.
    queue = client.get("/agent/", query_string={"tag": "Växjö"}).get_data(as_text=True)
    assert "Fiber down" in queue and "Invoice question" not in queue
    assert '<option value="fiber-outage"' in client.get("/agent/").get_data(as_text=True)
    # A tag is not a versioned change: adding one does not make a colleague's reply stale.
    with app.app_context():
        assert db.session.get(Ticket, tagged).version == 1
    client.post(f"/agent/tickets/{tagged}/tags/v%C3%A4xj%C3%B6/remove", data={"csrf_token": token})
    with app.app_context():
        assert list(db.session.scalars(select(TicketTag.tag))) == ["fiber-outage"]
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "ticket.tag_removed")
        )
    # Bad input: nothing usable, and no CSRF token.
    response = client.post(
        f"/agent/tickets/{other}/tags", data={"csrf_token": token, "tags": " ,;"}
    )
    assert "Type a tag" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/agent/tickets/{other}/tags", data={"tags": "x"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(TicketTag).where(TicketTag.ticket_id == other)) is None


def test_care_note_is_a_banner_on_every_ticket_without_verification(app, logged_in):
    client, _ = logged_in
    first, second = _open(app, 2, email="same@example.test", name="Greta Ek")
    page = client.get(f"/agent/tickets/{first}").get_data(as_text=True)
    assert "care-banner" not in page
    client.post(
        f"/agent/tickets/{first}/care-note",
        data={"csrf_token": support.csrf_token(page), "note": "Hard of hearing -  text first"},
    )
    # The customer is not verified: private fields stay masked, the care note shows.
    html = client.get(f"/agent/tickets/{second}").get_data(as_text=True)
    assert "Hard of hearing - text first" in html and 'id="care-banner"' in html
    assert "hidden until verified" in html and "same@example.test" not in html
    assert "care note" in client.get("/agent/").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "customer.care_note")
        )
        assert event.detail == {"cleared": False}  # never the text itself
        customer_id = db.session.get(Ticket, first).customer_id
    too_long = client.post(
        f"/agent/tickets/{first}/care-note",
        data={"csrf_token": support.csrf_token(html), "note": "x" * 301},
    )
    assert "300" in client.get(too_long.headers["Location"]).get_data(as_text=True)
    client.post(
        f"/agent/tickets/{first}/care-note",
        data={"csrf_token": support.csrf_token(html), "note": ""},
    )
    with app.app_context():
        assert db.session.get(Customer, customer_id).care_note is None
