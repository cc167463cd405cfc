"""Ticket-page panel for the plain-language hint (listed in `app.wiring.TICKET_PANELS`)."""

from __future__ import annotations

from flask import g

from app.domain import readability
from app.models import Ticket


def readability_panel(ticket: Ticket) -> dict:
    """The hint for a draft being checked; None unless the agent pressed "Check wording"."""
    draft = g.get("reply_draft")
    if draft is None:
        return {"readability": None}
    return {"readability": readability.check(draft, ticket.customer.language or "sv")}
