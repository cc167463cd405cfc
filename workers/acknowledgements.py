"""Acknowledging a new ticket on the channel it came in on, in the customer's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext
from sqlalchemy import select

from app.domain import hours
from app.domain.i18n import in_language
from app.domain.mail import compose_acknowledgement
from app.domain.reach_us import our_phone
from app.domain.replies import new_email_message_id
from app.extensions import db
from app.models import Message, Ticket
from workers.outgoing import HANDED_OVER, SENDING, outbox_message_id, send_once


def send_acknowledgement(ticket_id: int, message_id: int, item_id: int | None = None) -> None:
    """Acknowledge once: the ack's Message-ID is fixed by the outbox item and recorded before
    sending, so a rerun after a crash resends the same mail or sees it was handed over."""
    ticket = db.session.get(Ticket, ticket_id)
    inbound = db.session.get(Message, message_id)
    if ticket is None or inbound is None or inbound.channel != "email" or not inbound.sender:
        return
    stored = db.session.scalar(
        select(Message).where(
            Message.ticket_id == ticket.id,
            Message.channel == "email",
            Message.direction == "out",
            Message.meta["kind"].as_string() == "acknowledgement",
        )
    )
    if stored is not None and stored.delivery_status not in (SENDING, HANDED_OVER):
        return  # sent already (or deliberately not)
    with in_language(ticket.language) as language:
        body = (
            render_template(
                "mail/acknowledgement.txt",
                reference=ticket.reference,
                number=our_phone().display,
                opening_hours=hours.opening_hours_text(language),
            )
            + "\n"
        )
        subject = gettext("We have received your message [%(ref)s]", ref=ticket.reference)
    if stored is None:
        stored = Message(
            ticket=ticket,
            direction="out",
            channel="email",
            recipient=inbound.sender,
            subject=subject,
            body_text=body,
            email_message_id=(
                outbox_message_id(item_id, "ack") if item_id else new_email_message_id()
            ),
            delivery_status="queued",
            meta={"kind": "acknowledgement"},
        )
        db.session.add(stored)
        db.session.flush()
    mail = compose_acknowledgement(ticket, inbound, stored.email_message_id, body, subject)
    send_once(stored, mail, envelope_from="")
