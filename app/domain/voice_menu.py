"""The phone menu's rules: who is calling, in which language, and what we may say to them.

A caller with only a landline must get the whole service here. Caller ID is a hint, never
proof: the menu tells a recognised caller that we have their case and when we will call,
but reads nothing private (not even the subject) until the caller is verified, which the
menu arranges by calling back the number on file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.domain import audit, callbacks, hours, identity, ratelimit, surveys
from app.domain.audit import SYSTEM
from app.extensions import db
from app.models import Agent, Customer, Message, SatisfactionSurvey, Ticket, VerificationChallenge
from app.models.base import utcnow
from app.models.enums import TicketStatus

LANGUAGES = ("sv", "en")
OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)
WINDOW_CHOICES = 4  # keys 1-4 pick one of the next real windows


def other_language(language: str) -> str:
    return "en" if language == "sv" else "sv"


def customer_for(phone: str | None) -> Customer | None:
    if not phone:
        return None
    return db.session.scalar(select(Customer).where(Customer.phone == phone))


def language_for(phone: str | None, customer: Customer | None = None) -> str:
    """The customer's stored language, else a guess from the country code, else ours."""
    if customer is not None and customer.language in LANGUAGES:
        return customer.language
    home = current_app.config["PHONE_DEFAULT_REGION"]
    if phone:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
        except phonenumbers.NumberParseException:
            region = None
        if region:
            return "sv" if region == "SE" else "en"
    return "sv" if home == "SE" else "en"


def remember_language(customer: Customer | None, language: str) -> None:
    """The caller pressed for the other language: keep it for them and their callbacks."""
    if customer is None or language not in LANGUAGES or customer.language == language:
        return
    customer.language = language
    audit.record(SYSTEM, "customer.language_chosen", customer_id=customer.id, via="voice menu")


def open_ticket(customer: Customer | None) -> Ticket | None:
    if customer is None:
        return None
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.customer_id == customer.id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc())
    )


def latest_answer(ticket: Ticket) -> Message | None:
    """Our newest reply the customer was meant to get (never an internal note)."""
    return db.session.scalar(
        select(Message)
        .where(
            Message.ticket_id == ticket.id,
            Message.direction == "out",
            Message.is_internal.is_(False),
            Message.channel.in_(("email", "sms", "voice")),
        )
        .order_by(Message.id.desc())
    )


@dataclass
class CallerStatus:
    customer: Customer | None
    ticket: Ticket | None
    has_answer: bool
    verified: bool
    survey: SatisfactionSurvey | None = None  # an open "how did we do?" from our call


def caller_status(phone: str | None) -> CallerStatus:
    customer = customer_for(phone)
    ticket = open_ticket(customer)
    return CallerStatus(
        customer=customer,
        ticket=ticket,
        has_answer=ticket is not None and latest_answer(ticket) is not None,
        verified=ticket is not None and identity.current_level(ticket) is not None,
        survey=surveys.pending_for_caller(customer),
    )


def status_sentence(status: CallerStatus, language: str, now: datetime | None = None) -> str:
    """What we say to a recognised caller: that we have their case and what happens next.

    Nothing private: the day it was opened and our own promise, never its subject."""
    ticket = status.ticket
    if ticket is None:
        return ""
    now = now or utcnow()
    local_day = hours.to_local(ticket.created_at).date()
    with force_locale(language):
        day = format_date(local_day, "EEEE d MMMM", locale=language)
        parts = [_("We have your question from %(day)s.", day=day)]
        if ticket.status == TicketStatus.WAITING:
            parts.append(_("We have answered it and wait to hear from you."))
        else:
            parts.append(_("We are working on it."))
        callback = callbacks.pending_callback(ticket)
        if callback is not None:
            parts.append(
                _("We will call you %(when)s.", when=describe_due(callback, now, language))
            )
    return " ".join(parts)


def describe_due(callback, now: datetime, language: str) -> str:
    """A callback's time in words, e.g. "tomorrow between 8 and 12"."""
    window = hours.window_by_key(callback.window, now) if callback.window != "asap" else None
    if window is None:
        start = max(now, callback.window_start or now)
        if hours.is_open(now) and start <= now:
            with force_locale(language):
                return _("as soon as we can")
        window = hours.first_call_window(start)
    if window is None:
        with force_locale(language):
            return _("as soon as we are open again")
    return hours.describe_window(window, now, language)


def offered_windows(now: datetime | None = None) -> list[hours.Window]:
    """The real future windows a caller can pick with keys 1-4."""
    return hours.next_windows(now or utcnow(), WINDOW_CHOICES)


def agents_to_ring(now: datetime | None = None) -> list[str]:
    """Phones of active agents, while we are open. Empty when nobody can answer now."""
    if not hours.is_open(now or utcnow()):
        return []
    return list(
        db.session.scalars(
            select(Agent.phone).where(Agent.active.is_(True), Agent.phone.is_not(None))
        )
    )


def start_callback_check(ticket: Ticket) -> VerificationChallenge | None:
    """The caller asked to hear something private: we will ring the number on file.

    Same limits as an agent's check (sends per hour, lock after failures). Returns None
    when no check can be started (no phone on file, locked, or the hourly limit is used)."""
    customer = ticket.customer
    if not customer.phone or identity.is_locked(customer):
        return None
    limit = current_app.config["OTP_SENDS_PER_HOUR"]
    if not ratelimit.consume(f"otp-send:{customer.id}", limit, 3600):
        audit.record(SYSTEM, "identity.refused", ticket_id=ticket.id, reason="send limit")
        return None
    return identity.queue_challenge(ticket, "callback", SYSTEM, via="voice menu")
