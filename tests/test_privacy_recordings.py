"""Voicemail recordings come into our file store, are deleted at Twilio, and play in the
ticket only while the customer's identity is verified; callers are told before recording."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, AuditEvent, Message, Ticket
from tests import support

PHONE = "+46701234567"
CALL = {"From": PHONE, "To": "+46850000000", "CallSid": "CA77"}
AUDIO = b"ID3\x03\x00 fake mp3 voicemail bytes"


def _voicemail(client, twilio_stub) -> None:
    twilio_stub.recordings["RE77"] = AUDIO
    support.twilio_post(client, "/twilio/voice", CALL)
    support.twilio_post(
        client,
        "/twilio/recording",
        {
            **CALL,
            "RecordingSid": "RE77",
            "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE77",
            "RecordingStatus": "completed",
            "RecordingDuration": "6",
        },
    )


def test_callers_are_told_before_recording(app, client):
    record = support.twilio_post(client, "/twilio/voice/menu", {**CALL, "Digits": "2"})
    body = record.get_data(as_text=True)
    said = body[: body.index("<Record")]  # told before the recording starts
    assert "spelas in" in said or "will be recorded" in said


def test_recording_is_fetched_stored_and_deleted_at_twilio(app, client, twilio_stub):
    _voicemail(client, twilio_stub)
    support.run_jobs(app)
    support.run_jobs(app)  # a second run changes nothing
    assert "RE77" not in twilio_stub.recordings  # deleted at Twilio
    gets = [r for r in twilio_stub.requests if r.method == "GET"]
    assert len(gets) == 1 and gets[0].path.endswith("/Recordings/RE77.mp3")
    with app.app_context():
        [stored] = db.session.scalars(select(Attachment)).all()
        assert stored.content_type == "audio/mpeg" and stored.size == len(AUDIO)
        path = Path(app.config["ATTACHMENT_DIR"]) / stored.sha256[:2] / stored.sha256
        assert path.read_bytes() == AUDIO
        message = db.session.scalar(select(Message).where(Message.channel == "voice"))
        assert "recording_url" not in message.meta  # no link to Twilio any more
        assert message.meta["recording_deleted_at_twilio"] is True


def test_twilio_down_retries_and_keeps_the_recording_at_twilio(app, client, twilio_stub):
    _voicemail(client, twilio_stub)
    twilio_stub.fail_next = [500, 500, 500]
    support.run_jobs(app)
    assert "RE77" in twilio_stub.recordings  # never deleted before we have our copy
    with app.app_context():
        assert db.session.scalar(select(Attachment)) is None


def test_playback_is_gated_like_other_private_fields(app, client, make_agent, twilio_stub):
    _voicemail(client, twilio_stub)
    support.run_jobs(app)
    make_agent()
    support.login(client, "agent@example.test", "correct-horse-battery")
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id))
        attachment_id = db.session.scalar(select(Attachment.id))
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "<audio" not in page and "hidden until verified" in page
    assert client.get(f"/agent/recordings/{attachment_id}").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "identity.refused"))
    # Verify by SMS code to the number on file; then the player appears and plays.
    token = support.csrf_token(page)
    client.post(
        f"/agent/identity/tickets/{ticket_id}/challenge",
        data={"csrf_token": token, "channel": "sms"},
    )
    support.run_jobs(app)
    code = re.search(r"\b(\d{6})\b", twilio_stub.messages()[-1].value("Body")).group(1)
    client.post(
        f"/agent/identity/tickets/{ticket_id}/check", data={"csrf_token": token, "code": code}
    )
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert f'<audio controls preload="none" src="/agent/recordings/{attachment_id}"' in page
    played = client.get(f"/agent/recordings/{attachment_id}")
    assert played.status_code == 200 and played.data == AUDIO
    assert played.headers["Content-Type"] == "audio/mpeg"
