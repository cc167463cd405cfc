"""A heads-up text before an agent calls, so the customer answers a number they do not know.

Many older customers never answer unknown numbers. A short SMS ("We will call you in about
10 minutes from 08-123 45 67") fixes that. At most one per ticket per half hour, never to a
customer who sent STOP, and only to the number on file.
"""

from __future__ import annotations

from datetime import timedelta

import phonenumbers
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import audit, outbox
from app.domain.audit import Actor
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Agent, Message, Ticket
from app.models.base import utcnow

HEADS_UP_KIND = "heads-up"
REPEAT_AFTER = timedelta(minutes=30)
DEFAULT_MINUTES = 10


class HeadsUpError(DomainError):
    """A heads-up we will not send; the message is safe to show the agent."""


def our_number_for_people(region: str) -> str:
    """Our number as people in `region` write it (08-… at home, +46 8 … abroad)."""
    number = phonenumbers.parse(current_app.config["TWILIO_NUMBER"])
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def last_heads_up(ticket: Ticket) -> Message | None:
    return db.session.scalar(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.meta["kind"].as_string() == HEADS_UP_KIND)
        .order_by(Message.id.desc())
    )


def send_heads_up(ticket: Ticket, agent: Agent, minutes: int = DEFAULT_MINUTES) -> Message:
    customer = ticket.customer
    if not customer.phone:
        raise HeadsUpError(_l("This customer has no phone number on file."))
    if customer.sms_opted_out:
        raise HeadsUpError(_l("The customer sent STOP: we may not text them."))
    previous = last_heads_up(ticket)
    if previous is not None and utcnow() - previous.created_at < REPEAT_AFTER:
        raise HeadsUpError(_l("A heads-up was sent less than half an hour ago."))
    region = phonenumbers.region_code_for_number(phonenumbers.parse(customer.phone))
    with force_locale(customer.language or "sv"):
        body = _(
            "%(name)s: we will call you in about %(minutes)d minutes from %(number)s "
            "about %(reference)s.",
            name=current_app.config["SUPPORT_NAME"],
            minutes=minutes,
            number=our_number_for_people(region),
            reference=ticket.reference,
        )
    message = Message(
        ticket=ticket,
        direction="out",
        channel="sms",
        author_agent_id=agent.id,
        recipient=customer.phone,
        body_text=body,
        delivery_status="queued",
        meta={"kind": HEADS_UP_KIND},
    )
    db.session.add(message)
    db.session.flush()
    outbox.enqueue("message.deliver", message_id=message.id)
    audit.record(Actor.agent(agent.id), "call.heads_up", ticket_id=ticket.id, message_id=message.id)
    return message
