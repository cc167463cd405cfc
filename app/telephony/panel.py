"""The phone panel of the agent's ticket page: whose number a web request used (a hint),
and calls that could not be placed, in words with what to do."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.domain import replies
from app.domain.callbacks import numbers_in_mail, same_number_hint
from app.extensions import db
from app.models import Call, OutboxItem, Ticket


def phone_panel(ticket: Ticket) -> dict:
    """A public-form request for a number already on file: show whose (a hint, not a match)."""
    owner = same_number_hint(ticket)
    latest = None
    if owner is not None:
        latest = db.session.scalar(
            select(Ticket)
            .where(Ticket.customer_id == owner.id, Ticket.id != ticket.id)
            .order_by(Ticket.id.desc())
            .limit(1)
        )
    return {
        "same_number_customer": owner,
        "same_number_ticket": latest,
        "call_problems": call_problems(ticket),
        "numbers_in_mail": numbers_in_mail(ticket),
        # the channel the customer last used (or voice, for a caller without email)
        "preferred_channel": replies.default_channel(ticket),
    }


def call_problems(ticket: Ticket) -> dict[int, str]:
    """Calls we could not place (the job failed, Twilio refused): say so and what to do,
    instead of "queued" forever."""
    calls = db.session.scalars(
        select(Call).where(Call.ticket_id == ticket.id, Call.direction == "out")
    ).all()
    problems: dict[int, str] = {}
    for call in calls:
        if call.status in ("failed", "canceled"):
            problems[call.id] = _(
                "The phone network reported a failure. Check the number, then press "
                "Call now again, or call from your own phone and record the outcome."
            )
            continue
        if call.call_sid or call.status != "queued":
            continue
        item = db.session.scalar(
            select(OutboxItem)
            .where(
                OutboxItem.topic == "call.place",
                OutboxItem.payload["call_id"].as_integer() == call.id,
            )
            .limit(1)
        )
        if item is not None and item.failed:
            problems[call.id] = _(
                "Our phone service refused it. Check your own phone number in your profile, "
                "then press Call now again, or call from your own phone and record the outcome."
            )
        elif item is not None and item.last_error:
            problems[call.id] = _("The first try failed; we are trying again.")
    return problems
