"""Composing our outgoing mail: plain text first, threaded, with a signed Reply-To.

Sending is an adapter's job (`app.adapters.smtp.send`); composing opens no socket.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate

from flask import current_app

from app.domain.reach_us import mail_footer
from app.domain.reply_address import reply_address
from app.domain.text import single_line
from app.models import Message, Ticket


def _base(ticket: Ticket, to: str, subject: str, body: str, message_id: str) -> EmailMessage:
    config = current_app.config
    mail = EmailMessage()
    mail["From"] = formataddr((config["SUPPORT_NAME"], config["SUPPORT_ADDRESS"]))
    mail["To"] = single_line(to)
    mail["Subject"] = single_line(subject)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id
    mail["Reply-To"] = reply_address(ticket.reference)
    mail["X-Helpdesk-Ticket"] = ticket.reference
    mail.set_content(body + mail_footer(ticket.language or "en"))
    return mail


def thread_headers(ticket: Ticket, before: Message | None = None) -> tuple[str | None, str]:
    """In-Reply-To and References built from the ticket's known Message-IDs."""
    ids = [m.email_message_id for m in ticket.messages if m.email_message_id and m is not before]
    last_inbound = next(
        (
            m.email_message_id
            for m in reversed(ticket.messages)
            if m.direction == "in" and m.email_message_id and m is not before
        ),
        None,
    )
    return last_inbound or (ids[-1] if ids else None), " ".join(ids[-20:])


def compose_reply(message: Message) -> EmailMessage:
    ticket = message.ticket
    mail = _base(
        ticket,
        message.recipient or ticket.customer.email,
        message.subject or f"Re: {ticket.subject} [{ticket.reference}]",
        message.body_text,
        message.email_message_id,
    )
    in_reply_to, references = thread_headers(ticket, before=message)
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    return mail


def compose_acknowledgement(
    ticket: Ticket, in_reply_to: Message, message_id: str, body: str, subject: str
) -> EmailMessage:
    """RFC 3834 auto-reply: Auto-Submitted header; the caller sends it with a null MAIL FROM."""
    mail = _base(ticket, in_reply_to.sender, subject, body, message_id)
    mail["Auto-Submitted"] = "auto-replied"
    if in_reply_to.email_message_id:
        mail["In-Reply-To"] = in_reply_to.email_message_id
        mail["References"] = in_reply_to.email_message_id
    return mail
