"""Agent answers and internal notes. Sending happens later, from the outbox."""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.domain import audit, hours, outbox, sla, tickets
from app.domain.audit import Actor
from app.domain.email_types import ParsedAttachment
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Agent, Attachment, Message, Ticket
from app.models.base import utcnow
from app.models.enums import Channel, TicketStatus

REPLY_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.VOICE)  # voice: read aloud by a call


class ReplyError(DomainError):
    """A reply that cannot be sent; the message is safe to show to the agent."""


def new_email_message_id() -> str:
    domain = current_app.config["SUPPORT_ADDRESS"].split("@", 1)[1]
    return f"<{uuid.uuid4().hex}@{domain}>"


def default_channel(ticket: Ticket) -> str:
    """The channel the customer last wrote on; a caller with no email is answered by voice."""
    last_written = next(
        (
            m
            for m in reversed(ticket.messages)
            if m.direction == "in" and m.channel in ("email", "sms")
        ),
        None,
    )
    if last_written is not None:
        return last_written.channel
    if ticket.customer.email:
        return "email"
    if any(m.direction == "in" and m.channel == "voice" for m in ticket.messages):
        return "voice"  # they phoned us: a landline may not take SMS
    return "sms"


def add_note(
    ticket: Ticket, agent: Agent, body: str, *, expected_version: int | None = None
) -> Message:
    tickets.check_version(ticket, expected_version)
    body = (body or "").strip()
    if not body:
        raise ReplyError(_l("The note is empty."))
    note = Message(
        ticket=ticket,
        direction="out",
        channel="note",
        is_internal=True,
        author_agent_id=agent.id,
        body_text=body,
    )
    db.session.add(note)
    tickets.touch(ticket)
    db.session.flush()
    audit.record(Actor.agent(agent.id), "ticket.note", ticket_id=ticket.id, message_id=note.id)
    return note


def _attach(message: Message, files: list[ParsedAttachment]) -> None:
    if not files:
        return
    if message.channel != "email":
        raise ReplyError(_l("Files can only be sent by email."))
    config = current_app.config
    total = 0
    for item in files:
        size = len(item.data)
        total += size
        if size > config["ATTACHMENT_MAX_BYTES"] or total > config["ATTACHMENTS_MAX_TOTAL_BYTES"]:
            raise ReplyError(
                _l(
                    "Files may be at most %(each)s MB each and %(total)s MB together.",
                    each=config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
                    total=config["ATTACHMENTS_MAX_TOTAL_BYTES"] // (1024 * 1024),
                )
            )
        db.session.add(
            Attachment(
                message=message,
                filename=item.filename[:255],
                content_type=item.content_type[:127],
                size=size,
                sha256=item.sha256,
            )
        )


def reply(
    ticket: Ticket,
    agent: Agent,
    body: str,
    *,
    channel: str | None = None,
    expected_version: int | None = None,
    attachments: list[ParsedAttachment] | None = None,
) -> Message:
    """Store the agent's answer and queue its delivery on the customer's channel.

    Files (email only) are limited as for intake and recorded by content hash; the caller
    writes them to the file store (an adapter) before committing."""
    tickets.check_version(ticket, expected_version)
    body = (body or "").strip()
    if not body:
        raise ReplyError(_l("The reply is empty."))
    channel = channel or default_channel(ticket)
    customer = ticket.customer
    if channel not in REPLY_CHANNELS:
        raise ReplyError(_l("Cannot reply by %(channel)s.", channel=channel))
    if channel == "email" and not customer.email:
        raise ReplyError(_l("This customer has no email address on file."))
    if channel in (Channel.SMS, Channel.VOICE) and not customer.phone:
        raise ReplyError(_l("This customer has no phone number on file."))
    message = Message(
        ticket=ticket,
        direction="out",
        channel=channel,
        author_agent_id=agent.id,
        recipient=customer.email if channel == "email" else customer.phone,
        subject=f"Re: {ticket.subject} [{ticket.reference}]" if channel == "email" else None,
        body_text=body,
        email_message_id=new_email_message_id() if channel == "email" else None,
        delivery_status="queued",
    )
    if channel == "sms" and customer.sms_opted_out:
        message.delivery_status = "blocked"
        message.delivery_error = "The customer replied STOP: we may not send SMS to this number."
    db.session.add(message)
    _attach(message, attachments or [])
    now = utcnow()
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        sla.record_first_response(ticket, now)
    if ticket.status in (TicketStatus.NEW, TicketStatus.OPEN):
        tickets.change_status(ticket, TicketStatus.WAITING, Actor.agent(agent.id))
    if ticket.assignee_id is None:
        ticket.assignee_id = agent.id
    tickets.touch(ticket)
    db.session.flush()
    if message.delivery_status == "queued":
        # A reply read aloud is a phone ringing at the customer's home: only while we are open.
        wait = hours.seconds_until_we_may_call(now) if message.channel == Channel.VOICE else 0
        outbox.enqueue("message.deliver", delay_seconds=wait, message_id=message.id)
    audit.record(
        Actor.agent(agent.id),
        "ticket.reply",
        ticket_id=ticket.id,
        message_id=message.id,
        channel=channel,
    )
    return message
