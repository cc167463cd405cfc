"""What Twilio tells us about calls and texts: every change recorded here, and audited.

The webhooks check signatures and dedupe retries; these functions change the rows (flush, no
commit). Audit entries carry ids and states, never phone numbers or what was said.
"""

from __future__ import annotations

from sqlalchemy import select

from app.domain import audit
from app.domain.audit import SYSTEM
from app.extensions import db
from app.models import Call, Message


def record_inbound_call(call_sid: str, from_number: str | None, to_number: str | None) -> Call:
    """A customer rang us: keep the call (caller ID is a hint for identity checks)."""
    call = Call(
        call_sid=call_sid,
        direction="in",
        from_number=from_number,
        to_number=to_number,
        status="in-progress",
    )
    db.session.add(call)
    db.session.flush()
    audit.record(SYSTEM, "call.inbound", call_id=call.id)
    return call


def record_call_status(
    call_sid: str,
    state: str,
    *,
    duration_seconds: int | None = None,
    answered_by: str | None = None,
) -> Call | None:
    """A status callback for a call we placed or took. None when the call is not ours."""
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None:
        return None
    if call.outcome is None:  # the customer leg's result (dial-result) wins
        call.status = state
    if duration_seconds is not None and call.duration_seconds is None:
        call.duration_seconds = duration_seconds
    if answered_by:
        call.answered_by = answered_by
    audit.record(SYSTEM, "call.status", ticket_id=call.ticket_id, call_id=call.id, status=state)
    return call


def record_answered_by(call: Call, answered_by: str) -> None:
    """Answering-machine detection: a voicemail pickup is recorded as such, not as a talk."""
    call.answered_by = answered_by
    if answered_by.startswith("machine") or answered_by == "fax":
        call.outcome = "voicemail"
    audit.record(
        SYSTEM,
        "call.answered_by",
        ticket_id=call.ticket_id,
        call_id=call.id,
        answered_by=answered_by,
    )


def record_sms_status(sid: str, state: str, error_code: str | None = None) -> Message | None:
    """Delivery report for an SMS we sent. A failure is final: later reports do not undo it."""
    message = db.session.scalar(select(Message).where(Message.external_sid == sid))
    if message is None or message.delivery_status == "failed":
        return None
    message.delivery_status = {"undelivered": "failed"}.get(state, state)
    if error_code:
        message.delivery_error = f"Twilio error {error_code}"
    audit.record(
        SYSTEM,
        "message.delivery_status",
        ticket_id=message.ticket_id,
        message_id=message.id,
        status=message.delivery_status,
    )
    return message


def add_transcription(recording_sid: str, text: str) -> Message | None:
    """The transcription of a voicemail arrived: it replaces the placeholder text."""
    message = db.session.scalar(select(Message).where(Message.external_sid == recording_sid))
    if message is None:
        return None
    duration = (message.meta or {}).get("duration", "?")
    message.body_text = f"Voicemail ({duration} s): {text.strip()}"
    audit.record(SYSTEM, "message.transcribed", ticket_id=message.ticket_id, message_id=message.id)
    return message
