"""Outbox handlers that talk to Twilio: SMS replies, confirmations, and click-to-call.

Each checks the database first so a job that runs twice does not text or ring twice
(at most once more if a worker dies between Twilio's answer and our commit).
"""

from __future__ import annotations

from flask_babel import gettext

from app.adapters import twilio_rest
from app.domain import hours
from app.domain.callbacks import describe_callback
from app.domain.i18n import in_language
from app.domain.phone_policy import DestinationRefused
from app.domain.reach_us import our_phone, sms_signature
from app.extensions import db
from app.models import Agent, Call, CallbackRequest, Customer, Message, OutboxItem


def _status_url() -> str:
    return twilio_rest.public_url("/twilio/status")


def deliver_sms(message: Message) -> None:
    if message.ticket.customer.sms_opted_out:
        message.delivery_status = "blocked"
        message.delivery_error = "The customer replied STOP: we may not send SMS to this number."
        return
    language = message.ticket.language or "en"
    message.external_sid = twilio_rest.send_sms(
        message.recipient,
        message.body_text + sms_signature(language),
        status_callback=_status_url(),
    )


def deliver_voice(message: Message) -> None:
    """Ring the customer; Twilio fetches the words from /twilio/voice-reply/<id> on answer.

    DetectMessageEnd waits for the greeting's beep when a machine answers, so the reply is
    left as a whole voicemail rather than spoken over the greeting. A resolution notice
    (app.domain.survey_calls) has its own words: the notice, then "how did we do?"."""
    words = (
        "resolved-call" if (message.meta or {}).get("kind") == "resolved_notice" else "voice-reply"
    )
    message.external_sid = twilio_rest.start_call(
        message.recipient,
        url=twilio_rest.public_url(f"/twilio/{words}/{message.id}"),
        status_callback=twilio_rest.public_url(f"/twilio/voice-reply/{message.id}/status"),
        machine_detection="DetectMessageEnd",
    )


def _sms_to_customer(ticket, body: str, kind: str, to: str | None = None) -> None:
    """Text the customer (or `to`, the number a callback request gave), unless STOP was sent
    from that number by anyone on file."""
    customer = ticket.customer
    to = customer.phone or to
    if customer.sms_opted_out or not to:
        return
    opted_out = db.session.scalar(
        db.select(Customer.id).where(Customer.phone == to, Customer.sms_opted_out.is_(True))
    )
    if opted_out:
        return
    already = db.session.scalar(
        db.select(Message.id).where(
            Message.ticket_id == ticket.id, Message.meta["kind"].as_string() == kind
        )
    )
    if already:
        return
    message = Message(
        ticket=ticket,
        direction="out",
        channel="sms",
        recipient=to,
        body_text=body,
        delivery_status="queued",
        meta={"kind": kind},
    )
    db.session.add(message)
    db.session.flush()
    try:
        sid = twilio_rest.send_sms(to, body, status_callback=_status_url())
    except DestinationRefused as error:
        message.delivery_status, message.delivery_error = "failed", str(error)
        return
    message.external_sid = sid
    message.delivery_status = "sent"


def confirm_callback(payload: dict, item: OutboxItem) -> None:
    callback = db.session.get(CallbackRequest, payload["callback_id"])
    if callback is None:
        return
    with in_language(callback.customer.language) as language:
        body = gettext(
            "We will call you %(when)s. Reference %(ref)s. Our number: %(number)s. Open %(hours)s.",
            ref=callback.ticket.reference,
            when=describe_callback(callback, language),
            number=our_phone().display,
            hours=hours.opening_hours_text(language),
        )
    _sms_to_customer(callback.ticket, body, f"callback-confirm-{callback.id}", callback.phone)


def tell_we_tried(payload: dict, item: OutboxItem) -> None:
    callback = db.session.get(CallbackRequest, payload["callback_id"])
    if callback is None:
        return
    with in_language(callback.customer.language) as language:
        body = gettext(
            "We tried to call you about %(ref)s but could not reach you. Reply CALL to try again.",
            ref=callback.ticket.reference,
        ) + sms_signature(language)
    _sms_to_customer(callback.ticket, body, f"callback-gave-up-{callback.id}", callback.phone)


def place_call(payload: dict, item: OutboxItem) -> None:
    """Ring the agent; when they answer, /twilio/connect dials the customer."""
    call = db.session.get(Call, payload["call_id"])
    if call is None or call.call_sid:
        return  # placed already
    agent = db.session.get(Agent, call.agent_id)
    call.call_sid = twilio_rest.start_call(
        agent.phone,
        url=twilio_rest.public_url(f"/twilio/connect/{call.id}"),
        status_callback=_status_url(),
    )
    call.status = "initiated"
