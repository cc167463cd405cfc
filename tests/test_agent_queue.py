"""The agent queue and ticket page through real HTTP (Flask test client)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.domain import settings
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Attachment, AuditEvent, CannedReply, Message, Ticket
from tests import support


def _open(app, n: int = 1, **kwargs) -> list[int]:
    ids = []
    with app.app_context():
        for i in range(n):
            result = intake(
                InboundMessage(
                    channel=kwargs.get("channel", "email"),
                    sender_email=kwargs.get("email", f"c{i}@example.test"),
                    sender_name=kwargs.get("name", f"Customer {i}"),
                    subject=kwargs.get("subject", f"Problem {i}"),
                    body_text=kwargs.get("body", "It does not work"),
                    priority=kwargs.get("priority"),
                )
            )
            db.session.commit()
            ids.append(result.ticket.id)
    return ids


def test_anonymous_agents_get_only_the_login_page(app, client):
    [ticket_id] = _open(app)
    for path in ("/agent/", f"/agent/tickets/{ticket_id}", "/agent/admin/agents"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert client.post(f"/agent/tickets/{ticket_id}/reply", data={"body": "x"}).status_code in (
        302,
        400,
    )
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.direction == "out")) is None


def test_queue_orders_by_priority_then_waiting_time(app, logged_in):
    client, _ = logged_in
    _open(app, 1, subject="Old normal", email="a@example.test")
    _open(app, 1, subject="Newer urgent", email="b@example.test", priority=3)
    _open(app, 1, subject="Newest normal", email="c@example.test")
    html = client.get("/agent/").get_data(as_text=True)
    assert html.index("Newer urgent") < html.index("Old normal") < html.index("Newest normal")


def test_queue_filters_and_search(app, logged_in):
    client, agent_id = logged_in
    [mine] = _open(app, 1, subject="Printer jam", email="pia@example.test", name="Pia Lund")
    _open(app, 1, subject="Router", channel="sms", email=None)
    with app.app_context():
        db.session.get(Ticket, mine).assignee_id = agent_id
        db.session.commit()
        reference = db.session.get(Ticket, mine).reference
    assert "Printer jam" in client.get("/agent/?scope=mine").get_data(as_text=True)
    assert "Printer jam" not in client.get("/agent/?scope=unassigned").get_data(as_text=True)
    for query in (reference, "pia@example.test", "Pia", "jam"):
        html = client.get("/agent/", query_string={"q": query}).get_data(as_text=True)
        assert "Printer jam" in html, query


def test_reply_note_and_resolve_from_the_ticket_page(app, logged_in, mail_sink):
    client, _ = logged_in
    [ticket_id] = _open(app)
    support.post_on_ticket(client, app, ticket_id, "reply", body="Restart it", channel="email")
    support.run_jobs(app)
    assert "Restart it" in mail_sink.last().get_content()
    support.post_on_ticket(client, app, ticket_id, "note", body="Customer sounded upset")
    refused = support.post_on_ticket(client, app, ticket_id, "status", status="resolved")
    assert "summary" in client.get(refused.headers["Location"]).get_data(as_text=True)
    support.post_on_ticket(
        client, app, ticket_id, "status", status="resolved", summary="Restarting the box fixed it."
    )
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == "resolved"
        assert ticket.resolution_summary == "Restarting the box fixed it."
        note = db.session.scalar(select(Message).where(Message.is_internal.is_(True)))
        assert note.body_text == "Customer sounded upset"
    html = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "entry-note" in html and "Internal note" in html
    assert len(mail_sink.messages) == 1  # the note was never mailed


def test_a_reply_against_a_stale_version_is_refused(app, logged_in, mail_sink):
    client, _ = logged_in
    [ticket_id] = _open(app)
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    token = support.csrf_token(page)
    with app.app_context():
        stale = db.session.get(Ticket, ticket_id).version
    # A colleague changes the ticket meanwhile.
    client.post(
        f"/agent/tickets/{ticket_id}/note",
        data={"csrf_token": token, "version": stale, "body": "I'll take it"},
    )
    response = client.post(
        f"/agent/tickets/{ticket_id}/reply",
        data={"csrf_token": token, "version": stale, "body": "Old answer", "channel": "email"},
    )
    html = response.get_data(as_text=True)  # the page again, the text kept (issue 17)
    assert response.status_code == 409 and "Someone else changed this ticket" in html
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.body_text == "Old answer")) is None


def test_claim_priority_and_canned_reply(app, logged_in):
    client, agent_id = logged_in
    [ticket_id] = _open(app, name="Anna Berg")
    with app.app_context():
        db.session.add(
            CannedReply(title="Restart", body="Hi {customer_name}, about {reference}: restart.")
        )
        db.session.commit()
        canned_id = db.session.scalar(select(CannedReply.id))
        reference = db.session.get(Ticket, ticket_id).reference
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    token = support.csrf_token(page)
    with app.app_context():
        version = db.session.get(Ticket, ticket_id).version
    client.post(f"/agent/tickets/{ticket_id}/claim", data={"csrf_token": token, "version": version})
    with app.app_context():
        version = db.session.get(Ticket, ticket_id).version
    client.post(
        f"/agent/tickets/{ticket_id}/priority",
        data={"csrf_token": token, "version": version, "priority": "3"},
    )
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.assignee_id == agent_id and ticket.priority == 3
        assert {e.action for e in db.session.scalars(select(AuditEvent))} >= {
            "ticket.assign",
            "ticket.priority",
        }
    html = client.get(f"/agent/tickets/{ticket_id}?canned={canned_id}").get_data(as_text=True)
    assert f"Hi Anna, about {reference}: restart." in html


def test_presence_shows_another_agent_on_the_ticket(app, client, make_agent):
    [ticket_id] = _open(app)
    make_agent("one@example.test", name="Olle")
    make_agent("two@example.test", name="Tova")
    other = app.test_client()
    support.login(other, "two@example.test", "correct-horse-battery")
    other.get(f"/agent/tickets/{ticket_id}")
    support.login(client, "one@example.test", "correct-horse-battery")
    html = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Tova is viewing this ticket." in html


def test_admin_pages_are_admin_only_and_work(app, client, make_agent):
    make_agent("agent@example.test")
    make_agent("boss@example.test", role="admin", name="Boss")
    support.login(client, "agent@example.test", "correct-horse-battery")
    for path in ("/agent/admin/agents", "/agent/admin/canned", "/agent/admin/settings"):
        assert client.get(path).status_code == 403
    client = app.test_client()
    support.login(client, "boss@example.test", "correct-horse-battery")
    page = client.get("/agent/admin/agents").get_data(as_text=True)
    response = client.post(
        "/agent/admin/agents",
        data={
            "csrf_token": support.csrf_token(page),
            "email": "new@example.test",
            "name": "Nils",
            "role": "agent",
            "phone": "",
        },
    )
    assert "one-time password" in client.get(response.headers["Location"]).get_data(as_text=True)
    page = client.get("/agent/admin/settings").get_data(as_text=True)
    client.post(
        "/agent/admin/settings",
        data={
            "csrf_token": support.csrf_token(page),
            "recipient_addresses": "kundtjanst@firma.test",
            "phone_numbers": "08-500 000 00",
            "opening_hour": "9",
            "closing_hour": "16",
        },
    )

    with app.app_context():
        assert settings.get("recipient_addresses", fresh=True) == ["kundtjanst@firma.test"]
        assert settings.get("phone_numbers", fresh=True) == ["+46850000000"]


def test_agent_can_switch_to_swedish(app, logged_in):
    client, _ = logged_in
    page = client.get("/agent/").get_data(as_text=True)
    client.post("/agent/language", data={"csrf_token": support.csrf_token(page), "language": "sv"})
    assert "Ärenden" in client.get("/agent/").get_data(as_text=True)


def test_attachments_download_never_render(app, logged_in):
    client, _ = logged_in

    [ticket_id] = _open(app)
    root = Path(app.config["ATTACHMENT_DIR"])
    (root / "ab").mkdir(parents=True, exist_ok=True)
    (root / "ab" / ("ab" + "0" * 62)).write_bytes(b"<script>alert(1)</script>")
    with app.app_context():
        message = db.session.scalar(select(Message))
        db.session.add(
            Attachment(
                message_id=message.id,
                filename="evil.html",
                content_type="text/html",
                size=25,
                sha256="ab" + "0" * 62,
            )
        )
        db.session.commit()
        attachment_id = db.session.scalar(select(Attachment.id))
    response = client.get(f"/agent/attachments/{attachment_id}")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_search_finds_resolved_tickets_by_words_in_any_message(app, logged_in):
    client, agent_id = logged_in
    [ticket_id] = _open(app, subject="Heating", body="The radiator in the hallway gurgles")
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        ticket.status = "resolved"
        db.session.commit()
    assert "Heating" not in client.get("/agent/").get_data(as_text=True)  # not in the queue
    html = client.get("/agent/", query_string={"q": "radiator hallway"}).get_data(as_text=True)
    assert "Heating" in html  # but searchable
    assert "Heating" not in client.get("/agent/", query_string={"q": "radiator kitchen"}).get_data(
        as_text=True
    )


def test_admin_can_turn_on_auto_publish(app, client, make_agent):

    make_agent("boss@example.test", role="admin")
    support.login(client, "boss@example.test", "correct-horse-battery")
    page = client.get("/agent/admin/settings").get_data(as_text=True)
    client.post(
        "/agent/admin/settings",
        data={
            "csrf_token": support.csrf_token(page),
            "opening_hour": "8",
            "closing_hour": "17",
            "community_auto_publish": "y",
        },
    )
    with app.app_context():
        assert settings.get("community_auto_publish", fresh=True) is True
