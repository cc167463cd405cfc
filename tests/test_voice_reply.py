"""Replies read aloud by phone: the call, the spoken TwiML, voicemail + SMS note, outcomes."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

from sqlalchemy import select

from app.domain import hours, settings
from app.domain.agents import upsert_agent
from app.domain.intake import InboundMessage, intake
from app.domain.replies import default_channel, reply
from app.extensions import db
from app.models import Agent, CallbackRequest, Message, OutboxItem, Ticket
from app.models.base import utcnow
from tests import support

LANDLINE = "+4687654321"


def _voicemail_ticket(app, language: str = "sv") -> int:
    """A landline caller who left a voicemail: no email, only a phone."""
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="voice",
                sender_phone=LANDLINE,
                body_text="Voicemail (20 s): my printer does not work",
                subject="Voicemail",
                external_sid="RE1",
                language=language,
                meta={"kind": "voicemail"},
            )
        )
        db.session.commit()
        return result.ticket.id


def _send_voice_reply(app, ticket_id: int, text: str) -> int:
    with app.app_context():
        # not the logged-in agent: setting a password again ends that agent's sessions
        agent = upsert_agent("voice@example.test", "correct-horse-battery", role="agent")
        ticket = db.session.get(Ticket, ticket_id)
        assert default_channel(ticket) == "voice"  # a caller with no email is answered by voice
        message = reply(ticket, db.session.get(Agent, agent.id), text, channel="voice")
        db.session.commit()
        return message.id


def _xml(response):
    assert response.status_code == 200, response.data
    return ElementTree.fromstring(response.data)  # noqa: S314 - our own TwiML


def test_voice_reply_rings_the_customer_and_reads_the_answer_slowly(app, client, twilio_stub):
    ticket_id = _voicemail_ticket(app)
    message_id = _send_voice_reply(app, ticket_id, "Starta om skrivaren och försök igen.")
    support.run_jobs(app)
    [call] = twilio_stub.calls()
    assert call.value("To") == LANDLINE
    assert call.value("Url").endswith(f"/twilio/voice-reply/{message_id}")
    assert call.value("MachineDetection") == "DetectMessageEnd"

    xml = _xml(
        support.twilio_post(
            client, f"/twilio/voice-reply/{message_id}", {"CallSid": "CA9", "AnsweredBy": "human"}
        )
    )
    gather = xml.find("Gather")
    assert gather.get("numDigits") == "1"
    says = gather.findall("Say")
    assert all(s.get("language") == "sv-SE" for s in says)
    spoken = " ".join("".join(s.itertext()) for s in says)
    assert "Starta om skrivaren" in spoken and "tryck 1" in spoken.lower()
    assert says[0].find("prosody").get("rate") == "90%"
    with app.app_context():
        assert db.session.get(Message, message_id).delivery_status == "answered"

    again = _xml(
        support.twilio_post(
            client, f"/twilio/voice-reply/{message_id}/key", {"CallSid": "CA9", "Digits": "1"}
        )
    )
    assert again.find("Redirect") is not None

    support.twilio_post(
        client, f"/twilio/voice-reply/{message_id}/key", {"CallSid": "CA9", "Digits": "2"}
    )
    support.twilio_post(  # Twilio retries the webhook: still one callback
        client, f"/twilio/voice-reply/{message_id}/key", {"CallSid": "CA9", "Digits": "2"}
    )
    with app.app_context():
        callbacks = db.session.scalars(select(CallbackRequest)).all()
        assert len(callbacks) == 1 and callbacks[0].phone == LANDLINE


def test_an_answering_machine_gets_the_reply_as_voicemail_and_a_text_follows(
    app, client, twilio_stub
):
    ticket_id = _voicemail_ticket(app, language="en")
    message_id = _send_voice_reply(app, ticket_id, "Restart the printer.")
    support.run_jobs(app)
    xml = _xml(
        support.twilio_post(
            client,
            f"/twilio/voice-reply/{message_id}",
            {"CallSid": "CA9", "AnsweredBy": "machine_end_beep"},
        )
    )
    assert xml.find("Gather") is None and xml.find("Hangup") is not None
    assert "Restart the printer." in "".join(xml.itertext())
    assert xml.find("Say").get("language") == "en-GB"
    support.twilio_post(  # a retried webhook leaves one note only
        client,
        f"/twilio/voice-reply/{message_id}",
        {"CallSid": "CA9", "AnsweredBy": "machine_end_beep"},
    )
    support.run_jobs(app)
    with app.app_context():
        assert db.session.get(Message, message_id).delivery_status == "voicemail"
    notes = twilio_stub.messages()
    assert len(notes) == 1 and "voice message" in notes[0].value("Body")


def test_no_answer_is_shown_as_failed_on_the_ticket(app, client, logged_in, twilio_stub):
    ticket_id = _voicemail_ticket(app)
    message_id = _send_voice_reply(app, ticket_id, "Hej")
    support.run_jobs(app)
    support.twilio_post(
        client,
        f"/twilio/voice-reply/{message_id}/status",
        {"CallSid": "CA9", "CallStatus": "no-answer"},
    )
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.delivery_status == "failed"
        assert message.delivery_error == "Nobody answered the call."
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Nobody answered the call." in page


def test_voice_reply_webhooks_need_a_signature_and_a_voice_message(app, client):
    ticket_id = _voicemail_ticket(app)
    message_id = _send_voice_reply(app, ticket_id, "Hej")
    unsigned = support.twilio_post(
        client, f"/twilio/voice-reply/{message_id}", {"AnsweredBy": "human"}, signature="eA=="
    )
    assert unsigned.status_code == 403
    with app.app_context():
        assert db.session.get(Message, message_id).delivery_status == "queued"
        inbound_id = db.session.scalar(select(Message.id).where(Message.direction == "in"))
    assert support.twilio_post(client, f"/twilio/voice-reply/{inbound_id}", {}).status_code == 404


def test_a_reply_read_aloud_while_we_are_closed_rings_when_we_open(app, twilio_stub):
    """An agent answering at night by voice must not ring an old person's phone at 22:00:
    the call waits for the next call window (like resolution calls)."""
    ticket_id = _voicemail_ticket(app)
    with app.app_context():
        tomorrow = hours.to_local(utcnow()).date() + timedelta(days=1)
        settings.put("business_hours", {"open": 9, "close": 15, "days": [tomorrow.weekday()]})
        db.session.commit()
        opens = hours.to_utc(tomorrow, 9)
    message_id = _send_voice_reply(app, ticket_id, "Starta om skrivaren.")
    support.run_jobs(app)
    assert twilio_stub.calls() == []
    with app.app_context():
        [item] = [
            row
            for row in db.session.scalars(select(OutboxItem))
            if row.topic == "message.deliver" and row.payload.get("message_id") == message_id
        ]
        assert abs((item.available_at - opens).total_seconds()) < 5
        assert db.session.get(Message, message_id).delivery_status == "queued"
