"""Acknowledging a new ticket on the channel it came in on, in the customer's language."""

from __future__ import annotations

from sqlalchemy import select

from app.domain import hours
from app.domain.mail import compose_acknowledgement
from app.domain.reach_us import our_phone
from app.domain.replies import new_email_message_id
from app.extensions import db
from app.models import Message, Ticket
from workers.outgoing import HANDED_OVER, SENDING, outbox_message_id, send_once

ACK_TEXT = {
    "en": (
        "Thank you for writing to us. We have received your message.\n\n"
        "Your reference is {ref}.\n\n"
        "What happens next: a person from our team reads your message and answers you by "
        "email, usually within one working day. To add something, simply reply to this email.\n\n"
        "If you would rather talk: write your phone number in a reply and we will call you, "
        "or call us on {number} ({hours}).\n\n"
        "Before we talk about anything private (your account, orders or address) we check it "
        "is you: we send a 6-digit code to a phone number or email address we already have "
        "for you, and you read it to the person helping you or type it on our page. "
        "We never ask for your password.\n"
    ),
    "sv": (
        "Tack för att du skrev till oss. Vi har tagit emot ditt meddelande.\n\n"
        "Ditt ärendenummer är {ref}.\n\n"
        "Så här går det till: en person i vårt team läser ditt meddelande och svarar dig "
        "med e-post, oftast inom en arbetsdag. Vill du lägga till något svarar du bara på "
        "det här mejlet.\n\n"
        "Vill du hellre prata: skriv ditt telefonnummer i ett svar så ringer vi dig, "
        "eller ring oss på {number} ({hours}).\n\n"
        "Innan vi pratar om något privat (ditt konto, beställningar eller adress) kontrollerar "
        "vi att det är du: vi skickar en kod med 6 siffror till ett telefonnummer eller en "
        "e-postadress som vi redan har till dig, och du läser upp den för den som hjälper dig "
        "eller skriver in den på vår sida. Vi frågar aldrig efter ditt lösenord.\n"
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
    body = ACK_TEXT[language].format(
        ref=ticket.reference,
        number=our_phone().display,
        hours=hours.opening_hours_text(language),
    )
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
