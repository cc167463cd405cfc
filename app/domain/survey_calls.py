"""Closing the loop by phone, for customers we can only reach by a call.

A voice-only customer (they phoned us, and we cannot mail or text them: no email and a
landline, or the agent already answered them by a call) hears the resolution notice in an
automated call, in their language, delivered through the outbox like a reply read aloud
(app.domain.voice_replies): same retries, same no-answer handling, but only while we are
open. A person who answers is then asked "press 1, 2 or 3"; an answering machine gets the
short notice only.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain.contacts import can_take_sms
from app.domain.i18n import in_language
from app.domain.reach_us import our_phone
from app.extensions import db
from app.models import Message, Ticket


def spoken_reference(reference: str) -> str:
    """ "HD-4821" read one character at a time: "H D 4 8 2 1"."""
    return " ".join(reference.replace("-", ""))


def spoken_number() -> str:
    """Our number as digits to read aloud, in the form people at home dial it."""
    return " ".join(ch for ch in our_phone().display if ch.isdigit() or ch == "+")


def _replied_by_call(ticket: Ticket) -> bool:
    """The agent's latest reply to the customer on this ticket was a call (read aloud)."""
    last = db.session.scalar(
        select(Message.channel)
        .where(
            Message.ticket_id == ticket.id,
            Message.direction == "out",
            Message.is_internal.is_(False),
            Message.channel.in_(("email", "sms", "voice")),
            Message.author_agent_id.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    return last == "voice"


def voice_only(ticket: Ticket, last_in: str) -> bool:
    """Tell this customer by a call: they reached us by phone (or a callback form), and
    either the agent chose to answer them by a call, or we have neither an email address
    nor a number that takes SMS (a landline, or a number that sent STOP)."""
    customer = ticket.customer
    if not customer.phone or last_in in ("email", "sms"):
        return False
    if _replied_by_call(ticket):
        return True
    texts = not customer.sms_opted_out and can_take_sms(customer.phone)
    return not customer.email and not texts


def notice_text(ticket: Ticket, language: str) -> str:
    """The short notice the call speaks first (also stored as the message's text)."""
    with in_language(language):
        return " ".join(
            (
                _(
                    "Hello, this is %(name)s. Your case %(reference)s is resolved.",
                    name=current_app.config["SUPPORT_NAME"],
                    reference=spoken_reference(ticket.reference),
                ),
                _(
                    "If something is still not right, call us on %(number)s "
                    "and we will pick it up again.",
                    number=spoken_number(),
                ),
            )
        )


SPOKEN = {
    "question": _l(
        "How did we do? If you are happy, press 1. If it was OK, press 2. "
        "If you are not happy, press 3."
    ),
    "say_again": _l("Sorry, that was not 1, 2 or 3."),
    "thanks": _l("Thank you for your answer. It helps us get better. Goodbye."),
    "goodbye": _l("Thank you for your time. Goodbye."),
    "closed": _l("This question has closed. Thank you for calling. Goodbye."),
}


def spoken(key: str, language: str) -> str:
    """One of the call's fixed sentences (SPOKEN) in the customer's language."""
    with in_language(language):
        return str(SPOKEN[key])
