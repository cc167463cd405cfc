"""Inbound SMS: keywords first (STOP/START/HELP, CALL/RING), then an ordinary message.

Returns the short text to answer with (or None for no answer). A 6-digit reply goes to the
identity service first (`identity.answer_sms_code`): it may be a verification code.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import audit, callbacks, identity, surveys
from app.domain.audit import SYSTEM
from app.domain.i18n import customer_language, in_language
from app.domain.intake import OPEN_STATUSES, InboundMessage, intake
from app.domain.reach_us import sms_signature
from app.extensions import db
from app.models import Customer, Message, Ticket
from app.models.base import utcnow

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
STOP_WORDS |= {"STOPP", "SLUTA", "AVSLUTA", "AVBRYT", "AVREGISTRERA", "STOPPA"}  # Swedish
START_WORDS = {"START", "UNSTOP", "YES", "BÖRJA", "STARTA", "BORJA"}
HELP_WORDS = {"HELP", "INFO", "HJÄLP", "HJALP"}
CALL_WORDS = {"CALL", "RING", "CALL ME", "RING MIG", "RING UPP", "PLEASE CALL", "RINGA"}
# Twilio answers its own English opt-out words; for the others we confirm ourselves.
CARRIER_STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
_NOT_LETTER = re.compile(r"[^\w\s]|[\d_]")


def keyword(body: str) -> str:
    """The message as a keyword: "Stopp.", " stopp! ", "HJÄLP?" and "Ring mig" all match;
    case, punctuation, emoji and extra spaces do not matter (people type as they speak)."""
    letters = _NOT_LETTER.sub(" ", unicodedata.normalize("NFC", body or ""))
    return " ".join(letters.upper().split())


CODE = re.compile(r"^\s*(\d{6})\s*$")
SURVEY_ANSWER = re.compile(r"^\s*([123])\s*[.!]?\s*$")  # a reply to "How did we do?"

TEXTS = {
    "help": _l(
        "Callback Helpdesk: write your question and we answer here. "
        "Send CALL and we phone you. Send STOP to stop texts."
    ),
    "stopped": _l("You will get no more texts from us. Send START to get them again."),
    "start": _l("You will get texts from us again. Send STOP to stop."),
    "callback": _l("We will call you %(when)s. Reference %(ref)s."),
    "new": _l("Thank you, we got your message. Reference %(ref)s. A person will answer you here."),
}


def text(key: str, language: str | None, **values: object) -> str:
    """Our reply in the customer's language, ending with our number and hours."""
    chosen = customer_language(language)
    with in_language(chosen):
        message = str(TEXTS[key])
    return (message % values if values else message) + sms_signature(chosen)


def _customer(phone: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.phone == phone))


def _open_ticket(customer: Customer) -> Ticket | None:
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.customer_id == customer.id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc())
    )


def _note_on_open_ticket(customer: Customer, body: str) -> None:
    ticket = _open_ticket(customer)
    if ticket is not None:
        db.session.add(
            Message(
                ticket=ticket, direction="in", channel="system", is_internal=True, body_text=body
            )
        )


def handle_inbound_sms(phone: str, body: str, sid: str, language: str | None = None) -> str | None:
    """One inbound SMS from `phone` (E.164). Idempotent on the MessageSid."""
    body, sid = (body or "").replace("\x00", ""), (sid or "").replace("\x00", "")
    if db.session.scalar(select(Message.id).where(Message.external_sid == sid)):
        return None  # Twilio retried a webhook we already handled
    word = keyword(body) if len(body) <= 40 else ""
    customer = _customer(phone)
    language = language or (customer.language if customer else None)
    if word in STOP_WORDS:
        if customer is not None:
            customer.sms_opted_out, customer.sms_opted_out_at = True, utcnow()
            _note_on_open_ticket(customer, "The customer sent STOP: no more SMS to this number.")
            audit.record(SYSTEM, "sms.opted_out", customer_id=customer.id)
        if word in CARRIER_STOP_WORDS:
            return None  # the carrier/Twilio confirms its own STOP words
        return text("stopped", language or "sv")
    if word in START_WORDS:
        if customer is not None and customer.sms_opted_out:
            customer.sms_opted_out, customer.sms_opted_out_at = False, None
            _note_on_open_ticket(customer, "The customer sent START: SMS allowed again.")
            audit.record(SYSTEM, "sms.opted_in", customer_id=customer.id)
        return text("start", language)
    if word in HELP_WORDS:
        return text("help", language)
    if customer is not None and CODE.match(body):
        answer = identity.answer_sms_code(customer, CODE.match(body).group(1))
        if answer is not None:
            return answer
    score = SURVEY_ANSWER.match(body)
    if customer is not None and score:
        thanks = surveys.answer_by_sms(customer, int(score.group(1)))  # "How did we do?"
        if thanks is not None:
            return thanks
    if word in CALL_WORDS:
        callback = callbacks.request_callback(
            phone=phone, source="sms", language=language, external_sid=sid, confirm_by_sms=False
        )
        return text(
            "callback",
            language,
            ref=callback.ticket.reference,
            when=callbacks.describe_callback(callback, "sv" if language == "sv" else "en"),
        )
    result = intake(
        InboundMessage(
            channel="sms",
            body_text=body.strip()[:1600],
            sender_phone=phone,
            external_sid=sid,
            continue_open_ticket=True,
            language=language,
        )
    )
    return text("new", language, ref=result.ticket.reference) if result.created_ticket else None
