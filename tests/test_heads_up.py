"""The heads-up SMS before an agent calls: to the number on file, once per half hour, never
after STOP; our number written the way the customer's country writes it."""

from __future__ import annotations

from sqlalchemy import select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import AuditEvent, Customer
from tests import support


def _ticket(app, phone="+46701234567", language="sv") -> int:
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="sms",
                sender_phone=phone,
                body_text="Ring mig",
                external_sid="SM1",
                language=language,
            )
        )
        db.session.commit()
        return result.ticket.id


def _press(client, ticket_id):
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Text first" in page
    response = client.post(
        f"/agent/tickets/{ticket_id}/heads-up", data={"csrf_token": support.csrf_token(page)}
    )
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_heads_up_texts_the_number_on_file_once_per_half_hour(app, logged_in, twilio_stub):
    client, _ = logged_in
    app.config["TWILIO_NUMBER"] = "+46812345678"
    ticket_id = _ticket(app)
    assert "Heads-up sent" in _press(client, ticket_id)
    support.run_jobs(app)
    [sms] = twilio_stub.messages()
    assert sms.value("To") == "+46701234567"
    body = sms.value("Body")
    assert "om ungefär 10 minuter" in body and "08-123 456 78" in body
    assert "half an hour" in _press(client, ticket_id)  # refused the second time
    support.run_jobs(app)
    assert len(twilio_stub.messages()) == 1
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "call.heads_up"))


def test_no_heads_up_after_stop(app, logged_in, twilio_stub):
    client, _ = logged_in
    ticket_id = _ticket(app)
    with app.app_context():
        db.session.scalar(select(Customer)).sms_opted_out = True
        db.session.commit()
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Text first" not in page
    response = client.post(
        f"/agent/tickets/{ticket_id}/heads-up", data={"csrf_token": support.csrf_token(page)}
    )
    assert "STOP" in client.get(response.headers["Location"]).get_data(as_text=True)
    support.run_jobs(app)
    assert twilio_stub.messages() == []
