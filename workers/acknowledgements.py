"""Acknowledging a new ticket on the channel it came in on, in the customer's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext
from sqlalchemy import select

from app.adapters.smtp import send
from app.domain.i18n import in_language
from app.domain.mail import compose_acknowledgement
from app.domain.replies import new_email_message_id
from app.extensions import db
from app.models import Message, Ticket


def send_acknowledgement(ticket_id: int, message_id: int) -> None:
    ticket = db.session.get(Ticket, ticket_id)
    inbound = db.session.get(Message, message_id)
    if ticket is None or inbound is None or inbound.channel != "email" or not inbound.sender:
        return
    already = db.session.scalar(
        select(Message.id).where(
            Message.ticket_id == ticket.id,
            Message.channel == "email",
            Message.direction == "out",
            Message.meta["kind"].as_string() == "acknowledgement",
        )
    )
    if already:
        return
    with in_language(ticket.language):
        body = render_template("mail/acknowledgement.txt", reference=ticket.reference) + "\n"
        subject = gettext("We have received your message [%(ref)s]", ref=ticket.reference)
    stored = Message(
        ticket=ticket,
        direction="out",
        channel="email",
        recipient=inbound.sender,
        subject=subject,
        body_text=body,
        email_message_id=new_email_message_id(),
        delivery_status="queued",
        meta={"kind": "acknowledgement"},
    )
    db.session.add(stored)
    db.session.flush()
    send(
        compose_acknowledgement(ticket, inbound, stored.email_message_id, body, subject),
        envelope_from="",
    )
    stored.delivery_status = "sent"
