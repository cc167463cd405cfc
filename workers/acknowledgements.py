"""Acknowledging a new ticket on the channel it came in on, in the customer's language."""

from __future__ import annotations

from sqlalchemy import select

from app.domain.mail import compose_acknowledgement
from app.domain.replies import new_email_message_id
from app.extensions import db
from app.models import Message, Ticket
from workers.outgoing import HANDED_OVER, SENDING, outbox_message_id, send_once

ACK_TEXT = {
    "en": (
        "Thank you for writing to us. We have received your message.\n\n"
        "Your reference is {ref}. A person from our team will answer you, "
        "usually within one working day.\n\n"
        "To add something, simply reply to this email.\n"
        "If you would rather talk, reply with your phone number and we will call you.\n"
    ),
    "sv": (
        "Tack för att du skrev till oss. Vi har tagit emot ditt meddelande.\n\n"
        "Ditt ärendenummer är {ref}. En person i vårt team svarar dig, "
        "oftast inom en arbetsdag.\n\n"
        "Vill du lägga till något svarar du bara på det här mejlet.\n"
        "Vill du hellre prata, svara med ditt telefonnummer så ringer vi upp dig.\n"
    ),
}
ACK_SUBJECT = {
    "en": "We have received your message [{ref}]",
    "sv": "Vi har tagit emot ditt meddelande [{ref}]",
}


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
    language = ticket.language if ticket.language in ACK_TEXT else "en"
    body = ACK_TEXT[language].format(ref=ticket.reference)
    subject = ACK_SUBJECT[language].format(ref=ticket.reference)
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
