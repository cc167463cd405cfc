"""Answers read aloud: an agent's written reply delivered by a phone call.

For customers with only a landline. The call speaks the reply in the customer's language,
slowly, and offers "press 1 to hear it again, 2 to ask for a call back". If an answering
machine picks up, the reply is left as a voicemail and, where SMS is allowed, a short text
says so. Every outcome is recorded on the reply message, so the agent sees what happened.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.domain import audit, outbox
from app.domain.audit import SYSTEM
from app.domain.survey_calls import spoken_reference
from app.extensions import db
from app.models import Message

# outcome -> the delivery status shown on the ticket
OUTCOMES: dict[str, str] = {
    "answered": "answered",
    "voicemail": "voicemail",
    "no-answer": "failed",
    "busy": "failed",
    "failed": "failed",
    "canceled": "failed",
}
FINAL = ("answered", "voicemail")


def spoken_text(message: Message) -> str:
    """What the call says: who we are, the reference, then the agent's words."""
    customer = message.ticket.customer
    with force_locale(customer.language or "sv"):
        intro = _(
            "Hello, this is %(name)s with an answer about your case %(reference)s.",
            name=current_app.config["SUPPORT_NAME"],
            reference=spoken_reference(message.ticket.reference),
        )
    return f"{intro} {message.body_text[:3000]}"


def record_outcome(message: Message, outcome: str) -> bool:
    """Record how the voice reply went. Idempotent: a final outcome is never overwritten.

    Returns True when this call changed something (the first report of a final outcome)."""
    if outcome not in OUTCOMES or message.channel != "voice":
        return False
    meta = dict(message.meta or {})
    if meta.get("call_outcome") in FINAL:
        return False
    meta["call_outcome"] = outcome
    message.meta = meta
    message.delivery_status = OUTCOMES[outcome]
    if OUTCOMES[outcome] == "failed":
        message.delivery_error = {
            "no-answer": "Nobody answered the call.",
            "busy": "The line was busy.",
        }.get(outcome, "The call could not be made.")
    audit.record(
        SYSTEM,
        "reply.voice_outcome",
        ticket_id=message.ticket_id,
        message_id=message.id,
        outcome=outcome,
    )
    if outcome == "voicemail":
        _text_after_voicemail(message)
    return True


def _text_after_voicemail(message: Message) -> None:
    """A short SMS note after a voicemail, where the customer allows SMS."""
    customer = message.ticket.customer
    if not customer.phone or customer.sms_opted_out:
        return
    if (message.meta or {}).get("kind") == "resolved_notice":
        return  # the short notice was left whole; its customer is one we cannot text
    with force_locale(customer.language or "sv"):
        body = _(
            "We left you a voice message with our answer about %(reference)s. "
            "Call us on %(number)s if you want to hear it again.",
            reference=message.ticket.reference,
            number=current_app.config["TWILIO_NUMBER"],
        )
    note = Message(
        ticket=message.ticket,
        direction="out",
        channel="sms",
        recipient=customer.phone,
        body_text=body,
        delivery_status="queued",
        meta={"kind": "voicemail-note", "for_message": message.id},
    )
    db.session.add(note)
    db.session.flush()
    outbox.enqueue("message.deliver", message_id=note.id)
