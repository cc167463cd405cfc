"""Intake: the one door through which every channel opens a ticket or adds to one.

Channel adapters (SMTP, Twilio webhooks, the web form) turn their input into an
`InboundMessage` and call `intake`. It finds or creates the customer, threads the message
onto the right ticket (never a stranger's), stores it once, and records follow-up work in
the outbox — all in the caller's transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import nh3
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.domain import assignment, audit, customer_merge, integrations, outbox, sla, tickets
from app.domain.audit import SYSTEM, Actor
from app.domain.text import single_line
from app.extensions import db
from app.models import Customer, Message, Ticket
from app.models.base import utcnow
from app.models.enums import ACTIVE_STATUSES, TicketStatus

SUBJECT_REFERENCE = re.compile(r"\[?\b(HD-\d{4,9})\b\]?", re.IGNORECASE)
OPEN_STATUSES = ACTIVE_STATUSES


@dataclass
class InboundMessage:
    """What a channel adapter read, in channel-neutral form."""

    channel: str  # email | sms | voice | web
    body_text: str = ""
    subject: str = ""
    sender_email: str | None = None  # normalized by the adapter
    sender_phone: str | None = None  # E.164
    sender_name: str | None = None
    recipient: str | None = None
    body_html: str | None = None  # sanitized again here; never stored raw
    email_message_id: str | None = None
    delivery_key: str | None = None  # email: Message-ID + content hash (see email_intake)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    external_sid: str | None = None  # Twilio MessageSid / CallSid / RecordingSid
    thread_reference: str | None = None  # from a signed Reply-To address (already verified)
    continue_open_ticket: bool = False  # SMS/voice: add to the customer's open ticket
    language: str | None = None
    priority: int | None = None
    auth_results: dict | None = None
    spoof_suspected: bool = False
    acknowledge: bool = False  # send the customer an acknowledgement (adapter decides, RFC 3834)
    meta: dict | None = None


@dataclass
class IntakeResult:
    ticket: Ticket
    message: Message | None
    created_ticket: bool = False
    duplicate: bool = False
    reopened: bool = False


def find_duplicate(inbound: InboundMessage) -> Message | None:
    """The stored message this delivery repeats, if any."""
    return match_delivery(inbound)[0]


def match_delivery(inbound: InboundMessage) -> tuple[Message | None, bool]:
    """(the stored message this delivery repeats, whether its Message-ID is already taken).

    With a delivery key, only the same Message-ID *and* content is a repeat: different mail
    under a reused Message-ID is new mail (broken clients, forwarding, list software).
    """
    keys = []
    if inbound.delivery_key:
        keys.append(Message.delivery_key == inbound.delivery_key)
    if inbound.email_message_id:
        keys.append(Message.email_message_id == inbound.email_message_id)
    if keys:
        # One query for both keys (each is unique, so at most two rows).
        rows = db.session.scalars(select(Message).where(or_(*keys))).all()
        by_key = next(
            (m for m in rows if inbound.delivery_key and m.delivery_key == inbound.delivery_key),
            None,
        )
        if by_key is not None:
            return by_key, False
        found = next((m for m in rows if m.email_message_id == inbound.email_message_id), None)
        if found is not None:
            # Rows stored before delivery keys existed are compared on Message-ID alone.
            legacy = found.delivery_key is None and found.direction == "in"
            if legacy or not inbound.delivery_key:
                return found, False
            return None, True
    if inbound.external_sid:
        found = db.session.scalar(
            select(Message).where(Message.external_sid == inbound.external_sid)
        )
        return found, False
    return None, False


def find_or_create_customer(inbound: InboundMessage) -> Customer:
    """Match by email, then phone; create the customer on first contact."""
    customer = None
    if inbound.sender_email:
        customer = db.session.scalar(select(Customer).where(Customer.email == inbound.sender_email))
    if customer is None and inbound.sender_phone:
        customer = db.session.scalar(select(Customer).where(Customer.phone == inbound.sender_phone))
    if customer is not None:
        customer = customer_merge.follow(customer)  # a merged customer's contact: the kept one
        if not customer.name and inbound.sender_name:
            customer.name = inbound.sender_name[:200]
        return customer
    customer = Customer(
        name=(inbound.sender_name or None) and inbound.sender_name[:200],
        email=inbound.sender_email,
        phone=inbound.sender_phone,
        language=inbound.language or "en",
    )
    # Two first mails from one sender may race; the loser re-reads the winner's row.
    try:
        with db.session.begin_nested():
            db.session.add(customer)
    except IntegrityError:
        clause = (
            Customer.email == inbound.sender_email
            if inbound.sender_email
            else Customer.phone == inbound.sender_phone
        )
        customer = db.session.scalar(select(Customer).where(clause))
        if customer is None:
            raise
    return customer


def _ticket_by_message_ids(ids: list[str]) -> Ticket | None:
    ids = [i for i in ids if i][:50]
    if not ids:
        return None
    message = db.session.scalar(
        select(Message).where(Message.email_message_id.in_(ids)).order_by(Message.id.desc())
    )
    return message.ticket if message else None


def _sender_owns(ticket: Ticket, inbound: InboundMessage) -> bool:
    customer = ticket.customer
    if inbound.sender_email and customer.email == inbound.sender_email:
        return True
    return bool(inbound.sender_phone and customer.phone == inbound.sender_phone)


def find_thread(inbound: InboundMessage, customer: Customer) -> Ticket | None:
    """(1) reply headers to a message we know, (2) signed reply address,
    (3) subject reference *and* the same sender, (4) SMS/voice: the customer's open ticket."""
    ticket = _ticket_by_message_ids([inbound.in_reply_to or "", *inbound.references])
    if ticket is not None:
        return ticket
    if inbound.thread_reference:
        ticket = db.session.scalar(
            select(Ticket).where(Ticket.reference == inbound.thread_reference.upper())
        )
        if ticket is not None:
            return ticket
    match = SUBJECT_REFERENCE.search(inbound.subject or "")
    if match:
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == match.group(1).upper()))
        if ticket is not None and _sender_owns(ticket, inbound):
            return ticket
    if inbound.continue_open_ticket and customer.id is not None:
        return db.session.scalar(
            select(Ticket)
            .where(Ticket.customer_id == customer.id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(1)
        )
    return None


def sanitize_html(html: str | None) -> str | None:
    """Keep formatting, drop scripts, styles, event handlers and remote content tricks."""
    if not html:
        return None
    return nh3.clean(html, url_schemes={"http", "https", "mailto", "tel", "cid"})


def _subject_for(inbound: InboundMessage) -> str:
    subject = (inbound.subject or "").strip()
    if subject:
        return subject[:300]
    first_line = next((line.strip() for line in inbound.body_text.splitlines() if line.strip()), "")
    return (first_line[:80] or f"New {inbound.channel} request")[:300]


def intake(inbound: InboundMessage, actor: Actor = SYSTEM) -> IntakeResult:
    """Store an inbound customer message on the right ticket (opening one if needed).

    Idempotent on the email delivery key (Message-ID and content) and the Twilio SID: a
    re-delivery returns the stored message with `duplicate=True` and changes nothing.
    """
    # Single-line fields end up in mail headers: no CR/LF or control characters, ever.
    inbound.subject = single_line(inbound.subject, 300)
    inbound.sender_name = single_line(inbound.sender_name, 200) or None
    duplicate, reused_id = match_delivery(inbound)
    if duplicate is not None:
        return IntakeResult(ticket=duplicate.ticket, message=duplicate, duplicate=True)
    if reused_id:
        # Keep the mail; it threads by its own headers. The id stays in meta for the record.
        inbound.meta = {**(inbound.meta or {}), "reused_message_id": inbound.email_message_id}
        inbound.email_message_id = None
    customer = find_or_create_customer(inbound)
    ticket = find_thread(inbound, customer)
    created = reopened = False
    now = utcnow()
    if ticket is not None and ticket.status == TicketStatus.CLOSED:
        previous = ticket.reference
        ticket = None
        inbound.meta = {**(inbound.meta or {}), "follows_closed_ticket": previous}
    if ticket is None:
        ticket = Ticket(
            reference=tickets.new_reference(),
            subject=_subject_for(inbound),
            status=TicketStatus.NEW,
            priority=inbound.priority if inbound.priority is not None else 1,
            channel=inbound.channel,
            customer=customer,
            language=inbound.language or customer.language or "en",
            created_at=now,
        )
        db.session.add(ticket)
        created = True  # flushed below with its first message: one round of INSERTs
    elif ticket.status == TicketStatus.RESOLVED:
        tickets.change_status(ticket, TicketStatus.OPEN, actor)
        reopened = True
    elif ticket.status == TicketStatus.WAITING:
        tickets.change_status(ticket, TicketStatus.OPEN, actor)

    message = Message(
        ticket=ticket,
        direction="in",
        channel=inbound.channel,
        sender=inbound.sender_email or inbound.sender_phone,
        recipient=inbound.recipient,
        subject=(inbound.subject or None) and inbound.subject[:300],
        body_text=inbound.body_text or "",
        body_html=sanitize_html(inbound.body_html),
        email_message_id=inbound.email_message_id,
        delivery_key=inbound.delivery_key,
        in_reply_to=inbound.in_reply_to,
        references_header=" ".join(inbound.references) or None,
        external_sid=inbound.external_sid,
        auth_results=inbound.auth_results,
        spoof_suspected=inbound.spoof_suspected,
        meta=inbound.meta,
        created_at=now,
    )
    db.session.add(message)
    ticket.last_customer_message_at = now
    if not created:
        tickets.touch(ticket)
    else:
        sla.refresh_due(ticket, now)
    db.session.flush()
    if created:
        audit.record(actor, "ticket.opened", ticket_id=ticket.id, channel=inbound.channel)
        assignment.auto_assign(ticket)
        integrations.emit("ticket.created", ticket)
    if inbound.acknowledge and created:
        outbox.enqueue("ticket.acknowledge", ticket_id=ticket.id, message_id=message.id)
    return IntakeResult(ticket=ticket, message=message, created_ticket=created, reopened=reopened)
