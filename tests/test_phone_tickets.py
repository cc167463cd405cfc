"""Agent-opened tickets for a caller on the line, through HTTP."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Call, Customer, Message, Ticket
from tests import support
from tests.test_agent_queue import _open


def _form(client) -> str:
    return client.get("/agent/tickets/new-call").get_data(as_text=True)


def test_open_a_ticket_for_a_known_caller_by_phone(app, logged_in):
    client, agent_id = logged_in
    with app.app_context():
        db.session.add(Customer(name="Åsa Öberg", phone="+46701234567", email="asa@example.test"))
        db.session.commit()
    assert 'id="new-call"' in client.get("/agent/").get_data(as_text=True)
    lookup = client.get("/agent/tickets/new-call?phone=070-123 45 67").get_data(as_text=True)
    assert "a customer we know: Åsa Öberg" in lookup
    assert "asa@example.test" not in lookup  # nothing private on the look-up
    response = client.post(
        "/agent/tickets/new-call",
        data={
            "csrf_token": support.csrf_token(_form(client)),
            "phone": "070 123 45 67",
            "identified_by": "caller_id",
            "name": "Someone Else",
            "subject": "TV box shows no picture",
            "notes": "Tried restarting; still black.",
            "priority": "2",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "TV box shows no picture" in page and "Tried restarting; still black." in page
    assert "Opened during a phone call" in page and "caller ID" in page
    assert "Caller ID matches the number on file" in page  # a hint, not verification
    assert "hidden until verified" in page
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        customer = ticket.customer
        assert customer.name == "Åsa Öberg"  # a name said on the phone never overwrites
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
        assert (ticket.channel, ticket.status, ticket.priority) == ("voice", "open", 2)
        assert ticket.assignee_id == agent_id and ticket.verified_until is None
        call = db.session.scalar(select(Call))
        assert call.ticket_id == ticket.id and call.from_number == "+46701234567"
        assert call.direction == "in" and call.agent_id == agent_id
        opened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.opened"))
        assert opened.actor_type == "agent" and opened.detail["identified_by"] == "caller_id"
        assert opened.detail["new_customer"] is False


def test_a_new_caller_becomes_a_customer_and_a_withheld_number_is_allowed(app, logged_in):
    client, _ = logged_in
    _open(app, 1, email="other@example.test")
    lookup = client.get("/agent/tickets/new-call?phone=0709999999").get_data(as_text=True)
    assert "a new customer will be created" in lookup
    token = support.csrf_token(_form(client))
    client.post(
        "/agent/tickets/new-call",
        data={
            "csrf_token": token,
            "phone": "0709999999",
            "identified_by": "stated",
            "name": "Nils Nyström",
            "subject": "Wants a new router",
            "priority": "1",
        },
    )
    client.post(
        "/agent/tickets/new-call",
        data={
            "csrf_token": token,
            "phone": "",
            "identified_by": "unknown",
            "subject": "Asked about opening hours",
            "priority": "1",
        },
    )
    with app.app_context():
        new = db.session.scalar(select(Customer).where(Customer.phone == "+46709999999"))
        assert new.name == "Nils Nyström"
        call = db.session.scalar(
            select(Call)
            .join(Ticket, Call.ticket_id == Ticket.id)
            .where(Ticket.customer_id == new.id)
        )
        assert call.from_number is None  # the number was told, not shown by caller ID
        anonymous = db.session.scalar(
            select(Ticket).where(Ticket.subject == "Asked about opening hours")
        )
        assert anonymous.customer.phone is None and anonymous.channel == "voice"
        assert db.session.scalar(
            select(Message).where(
                Message.ticket_id == anonymous.id,
                Message.meta["kind"].as_string() == "phone_intake",
            )
        )


def test_bad_caller_input_is_refused_at_the_field(app, logged_in):
    client, _ = logged_in
    token = support.csrf_token(_form(client))
    for data, text in (
        (
            {"phone": "not a number", "identified_by": "stated", "subject": "x"},
            "not a phone number",
        ),
        ({"phone": "", "identified_by": "stated", "subject": "x"}, "Type the caller"),
        ({"phone": "0701112233", "identified_by": "stated", "subject": ""}, "required"),
    ):
        response = client.post(
            "/agent/tickets/new-call", data={"csrf_token": token, "priority": "1", **data}
        )
        assert response.status_code == 400 and text in response.get_data(as_text=True), data
    assert client.post("/agent/tickets/new-call", data={"subject": "x"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
