"""Right of access: everything we hold about one customer, as plain records.

Generators over the database in batches (`yield_per`), so exporting a customer with a
hundred thousand messages never holds them all in memory. The zip is written by the
privacy blueprint (it owns the HTTP response); this module only reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select

from app.domain.privacy import _call_filter, _callback_ids, _message_ids, _ticket_ids
from app.extensions import db
from app.models import (
    Article,
    Attachment,
    AuditEvent,
    Call,
    CallbackRequest,
    Customer,
    Message,
    Ticket,
    VerificationChallenge,
)

BATCH = 500
# Never exported: secrets that protect the customer (code hashes) and agents' internals.
SKIP_COLUMNS = {"code_hash", "link_token_hash", "redaction_report"}


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    return value


def row(obj: object) -> dict:
    """A model row as JSON-ready values (every column, minus secrets)."""
    return {
        column.key: _plain(getattr(obj, column.key))
        for column in obj.__table__.columns
        if column.key not in SKIP_COLUMNS
    }


def customer_record(customer: Customer) -> dict:
    return row(customer)


def _stream(query) -> Iterator:
    yield from db.session.scalars(query.execution_options(yield_per=BATCH))


def tickets(customer: Customer) -> Iterator[Ticket]:
    return _stream(select(Ticket).where(Ticket.customer_id == customer.id).order_by(Ticket.id))


def messages(customer: Customer) -> Iterator[Message]:
    """Every message on their tickets, internal notes included: the right of access covers
    what we wrote about them, not only what we wrote to them."""
    query = select(Message).where(Message.id.in_(_message_ids(customer.id))).order_by(Message.id)
    return _stream(query)


def attachments(customer: Customer) -> Iterator[Attachment]:
    return _stream(
        select(Attachment)
        .where(Attachment.message_id.in_(_message_ids(customer.id)))
        .order_by(Attachment.id)
    )


def other_records(customer: Customer) -> Iterator[tuple[str, object]]:
    """Callbacks, calls, identity checks, audit events and articles, labelled by kind."""
    sources = (
        (
            "callbacks",
            select(CallbackRequest).where(CallbackRequest.id.in_(_callback_ids(customer.id))),
        ),
        ("calls", select(Call).where(_call_filter(customer))),
        (
            "identity_checks",
            select(VerificationChallenge).where(VerificationChallenge.customer_id == customer.id),
        ),
        (
            "audit_events",
            select(AuditEvent).where(
                (AuditEvent.customer_id == customer.id)
                | AuditEvent.ticket_id.in_(_ticket_ids(customer.id))
            ),
        ),
        (
            "community_articles",
            select(Article).where(Article.source_ticket_id.in_(_ticket_ids(customer.id))),
        ),
    )
    for kind, query in sources:
        for obj in _stream(query.order_by(query.column_descriptions[0]["entity"].id)):
            yield kind, obj


def as_eml(message: Message, support_address: str) -> bytes:
    """An email message rebuilt as RFC 5322 from what we stored (the raw original is not
    kept: we keep its text, sanitized HTML, headers for threading and verdicts)."""
    mail = EmailMessage()
    incoming = message.direction == "in"
    mail["From"] = message.sender if incoming and message.sender else support_address
    mail["To"] = message.recipient or support_address
    if message.subject:
        mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at.replace(tzinfo=UTC))
    if message.email_message_id:
        mail["Message-ID"] = message.email_message_id
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to
    if message.references_header:
        mail["References"] = message.references_header
    mail.set_content(message.body_text or "")
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    return bytes(mail)
