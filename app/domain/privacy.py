"""Data protection: erasing one customer (right to erasure) and finding what we hold.

Erasure happens in two steps, because a database transaction cannot cover files, Twilio
or Redis:

1. `erase_customer_rows` deletes every row that is theirs in ONE transaction (the caller
   commits): either all of the customer is gone from the database or nothing is. What
   must still happen outside the database (attachment files no one else shares, Twilio
   recordings, queued RQ jobs) is written to the request's `cleanup` list in that same
   transaction, so it cannot be forgotten.
2. The erasure job (workers/privacy.py) works through `cleanup`, removing each entry as it
   succeeds: a run that fails halfway resumes from where it stopped.

The audit log keeps one record that an erasure happened (who asked, how many rows), never
who was erased. Community articles drawn from their tickets are anonymized again against
their details and retracted, unless an agent confirmed the article holds nothing of theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from app.domain import audit, outbox, tickets
from app.domain.anonymize import KnownEntities, anonymize
from app.domain.audit import SYSTEM, Actor
from app.domain.community import search_stems, slugify
from app.domain.errors import DomainError
from app.extensions import db
from app.models import (
    Agent,
    Article,
    Attachment,
    AuditEvent,
    Call,
    CallbackRequest,
    Customer,
    CustomerMerge,
    Message,
    OutboxItem,
    PrivacyRequest,
    RateEvent,
    SatisfactionSurvey,
    SlaNotice,
    Ticket,
    TicketTag,
    TrustedHelper,
    VerificationChallenge,
    WebhookReceipt,
)
from app.models.base import utcnow

OPEN_STATUSES = ("new", "open", "waiting")
ERASED_TEXT = "(removed: the customer this answer came from was erased)"
# Tables an erasure deletes from, vacuumed afterwards on PostgreSQL (dead tuples and their
# GIN full-text entries would otherwise linger until autovacuum).
VACUUM_TABLES = (
    "customers",
    "tickets",
    "messages",
    "attachments",
    "articles",
    "calls",
    "callback_requests",
    "verification_challenges",
    "audit_events",
    "outbox",
    "rate_events",
    "webhook_receipts",
)
# Outbox payload keys that point at rows an erasure deletes, and the rows they point at.
PAYLOAD_KEYS = ("ticket_id", "message_id", "callback_id", "challenge_id", "call_id")


class PrivacyError(DomainError):
    """Refused; the message is safe to show to the admin."""


class ConfirmationNeeded(PrivacyError):
    """The customer has open tickets: erasing closes them, so the admin must confirm."""

    default_message = _l("This customer still has open tickets. Erasing closes them.")

    def __init__(self, references: list[str]) -> None:
        super().__init__()
        self.references = references


@dataclass
class Holdings:
    """How much we hold about one customer (for the admin's pages)."""

    tickets: int
    open_tickets: list[str]
    messages: int
    attachments: int
    callbacks: int
    calls: int
    challenges: int
    articles: list[Article]


def _ticket_ids(customer_id: int):
    return select(Ticket.id).where(Ticket.customer_id == customer_id)


def _message_ids(customer_id: int):
    return select(Message.id).where(Message.ticket_id.in_(_ticket_ids(customer_id)))


def _callback_ids(customer_id: int):
    return select(CallbackRequest.id).where(
        or_(
            CallbackRequest.customer_id == customer_id,
            CallbackRequest.ticket_id.in_(_ticket_ids(customer_id)),
        )
    )


def _call_filter(customer: Customer):
    clauses = [
        Call.ticket_id.in_(_ticket_ids(customer.id)),
        Call.callback_id.in_(_callback_ids(customer.id)),
    ]
    if customer.phone:
        clauses += [Call.from_number == customer.phone, Call.to_number == customer.phone]
    return or_(*clauses)


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def holdings(customer: Customer) -> Holdings:
    open_refs = db.session.scalars(
        select(Ticket.reference)
        .where(Ticket.customer_id == customer.id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id)
    ).all()
    return Holdings(
        tickets=_count(_ticket_ids(customer.id)),
        open_tickets=list(open_refs),
        messages=_count(_message_ids(customer.id)),
        attachments=_count(
            select(Attachment.id).where(Attachment.message_id.in_(_message_ids(customer.id)))
        ),
        callbacks=_count(_callback_ids(customer.id)),
        calls=_count(select(Call.id).where(_call_filter(customer))),
        challenges=_count(
            select(VerificationChallenge.id).where(VerificationChallenge.customer_id == customer.id)
        ),
        articles=list(
            db.session.scalars(
                select(Article)
                .where(Article.source_ticket_id.in_(_ticket_ids(customer.id)))
                .order_by(Article.id)
            )
        ),
    )


def request_erasure(
    customer: Customer,
    agent: Agent,
    *,
    confirm_open: bool = False,
    keep_article_ids: Iterable[int] = (),
) -> PrivacyRequest:
    """Record an erasure request and hand it to the worker (outbox).

    Open tickets are closed first, but only when the admin confirmed it: erasing someone
    whose matter is still being handled is usually a mistake worth a second look."""
    actor = Actor.agent(agent.id)
    existing = db.session.scalar(
        select(PrivacyRequest).where(
            PrivacyRequest.kind == "erasure",
            PrivacyRequest.customer_id == customer.id,
            PrivacyRequest.status == "pending",
        )
    )
    if existing is not None:
        return existing
    open_tickets = db.session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer.id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id)
    ).all()
    if open_tickets and not confirm_open:
        raise ConfirmationNeeded([t.reference for t in open_tickets])
    for ticket in open_tickets:
        tickets.change_status(ticket, "closed", actor)
    sources = set(
        db.session.scalars(
            select(Article.id).where(Article.source_ticket_id.in_(_ticket_ids(customer.id)))
        )
    )
    request = PrivacyRequest(
        kind="erasure",
        customer_id=customer.id,
        requested_by_id=agent.id,
        keep_article_ids=sorted(sources & {int(i) for i in keep_article_ids}),
    )
    db.session.add(request)
    db.session.flush()
    # Tied to the customer, so the erasure removes it; the final record names nobody.
    audit.record(actor, "privacy.erasure_requested", customer_id=customer.id)
    outbox.enqueue("privacy.erase", request_id=request.id)
    return request


def known_values(customer: Customer) -> KnownEntities:
    """The customer's own details, for re-checking articles drawn from their tickets."""
    senders = db.session.scalars(
        select(Message.sender).where(
            Message.ticket_id.in_(_ticket_ids(customer.id)), Message.sender.is_not(None)
        )
    ).all()
    return KnownEntities(
        names=[customer.name] if customer.name else [],
        emails=sorted({e for e in [customer.email, *senders] if e and "@" in e}),
        phones=sorted({p for p in [customer.phone, *senders] if p and p.startswith("+")}),
        addresses=[customer.address] if customer.address else [],
        account_numbers=[customer.account_number] if customer.account_number else [],
    )


def _recheck_articles(customer: Customer, keep: set[int], now) -> tuple[int, int]:
    """Articles drawn from their tickets lose the link to the ticket. One an agent confirmed
    is anonymized once more against the customer's details and stays; any other is
    retracted and emptied (its text came from their ticket, and with the ticket gone no
    one can review it any more). Returns (retracted, kept)."""
    known = known_values(customer)
    retracted = kept = 0
    articles = db.session.scalars(
        select(Article).where(Article.source_ticket_id.in_(_ticket_ids(customer.id)))
    ).all()
    for article in articles:
        article.redaction_report = article.flags = None
        article.source_ticket_id = None
        if article.id in keep:
            title = anonymize(article.title, known).text[:200]
            if title != article.title:
                article.title, article.slug = title, slugify(title)
            article.problem = anonymize(article.problem, known).text
            article.resolution = anonymize(article.resolution, known).text
            article.search_stems = search_stems(article)
            kept += 1
            continue
        article.title, article.problem, article.resolution = ERASED_TEXT, "", ""
        article.search_stems = search_stems(article)
        article.slug = slugify("erased")
        if article.status != "retracted":
            article.status, article.retracted_at = "retracted", now
        retracted += 1
    return retracted, kept


def _outbox_filter(customer_id: int):
    subqueries = {
        "ticket_id": _ticket_ids(customer_id),
        "message_id": _message_ids(customer_id),
        "callback_id": _callback_ids(customer_id),
        "challenge_id": select(VerificationChallenge.id).where(
            VerificationChallenge.customer_id == customer_id
        ),
    }
    return or_(*(OutboxItem.payload[key].as_integer().in_(q) for key, q in subqueries.items()))


def _rate_keys(customer: Customer) -> list:
    clauses = [RateEvent.key.in_([f"otp-send:{customer.id}", f"otp-fail:{customer.id}"])]
    for value in (customer.email, customer.phone):
        if value:
            clauses.append(RateEvent.key.endswith(f":{value}", autoescape=True))
    return clauses


def erase_customer_rows(request: PrivacyRequest) -> dict[str, int]:
    """Step 1: delete every row of the customer in the caller's transaction (flush only).

    Idempotent: a request whose customer is already gone changes nothing."""
    if request.status != "pending":
        return dict(request.counts or {})
    customer = db.session.get(Customer, request.customer_id) if request.customer_id else None
    now = utcnow()
    if customer is None:
        request.status, request.customer_id = "erased", None
        request.cleanup = request.cleanup or {}
        return {}
    cid = customer.id
    ticket_ids = _ticket_ids(cid)
    message_ids = _message_ids(cid)
    callback_ids = _callback_ids(cid)

    # Outside the database: files only they use, recordings at Twilio, queued jobs.
    their_hashes = set(
        db.session.scalars(
            select(Attachment.sha256).where(Attachment.message_id.in_(message_ids)).distinct()
        )
    )
    recordings = sorted(
        sid
        for sid, meta in db.session.execute(
            select(Message.external_sid, Message.meta).where(
                Message.ticket_id.in_(ticket_ids), Message.external_sid.is_not(None)
            )
        )
        if sid.startswith("RE")
        and (meta or {}).get("kind") == "voicemail"
        and not (meta or {}).get("recording_deleted_at_twilio")
    )
    sids = set(
        db.session.scalars(
            select(Message.external_sid).where(
                Message.ticket_id.in_(ticket_ids), Message.external_sid.is_not(None)
            )
        )
    )
    calls = db.session.execute(select(Call.id, Call.call_sid).where(_call_filter(customer))).all()
    sids |= {sid for _, sid in calls if sid}
    sids |= {f"{sid}:callback" for _, sid in calls if sid}
    sids |= {f"call-{call_id}" for call_id, _ in calls}
    call_ids = [call_id for call_id, _ in calls]
    their_outbox = or_(
        _outbox_filter(cid), OutboxItem.payload["call_id"].as_integer().in_(call_ids)
    )
    # (outbox id, hand-over number): each hand-over was one RQ job.
    jobs = [
        [item_id, n]
        for item_id, count in db.session.execute(
            select(OutboxItem.id, OutboxItem.dispatch_count).where(their_outbox)
        )
        for n in range(1, (count or 0) + 1)
    ]

    contacts = [value for value in (customer.email, customer.phone) if value]
    retracted, kept = _recheck_articles(customer, set(request.keep_article_ids or []), now)
    counts = {
        "tickets": _count(ticket_ids),
        "messages": _count(message_ids),
        "articles_retracted": retracted,
        "articles_kept": kept,
    }
    statements = [
        delete(OutboxItem).where(their_outbox),
        delete(WebhookReceipt).where(WebhookReceipt.sid.in_(sorted(sids))),
        delete(RateEvent).where(or_(*_rate_keys(customer))),
        delete(AuditEvent).where(
            or_(AuditEvent.customer_id == cid, AuditEvent.ticket_id.in_(ticket_ids))
        ),
        delete(Attachment).where(Attachment.message_id.in_(message_ids)),
        delete(Call).where(Call.id.in_(call_ids)),
        delete(VerificationChallenge).where(VerificationChallenge.customer_id == cid),
        # Rows other features keep about them (tags, surveys, merges, trusted helpers).
        delete(TicketTag).where(TicketTag.ticket_id.in_(ticket_ids)),
        delete(SlaNotice).where(SlaNotice.ticket_id.in_(ticket_ids)),
        delete(SatisfactionSurvey).where(
            or_(SatisfactionSurvey.customer_id == cid, SatisfactionSurvey.ticket_id.in_(ticket_ids))
        ),
        delete(CustomerMerge).where(
            or_(CustomerMerge.source_id == cid, CustomerMerge.target_id == cid)
        ),
        update(Customer).where(Customer.merged_into_id == cid).values(merged_into_id=None),
        delete(TrustedHelper).where(TrustedHelper.customer_id == cid),
        delete(CallbackRequest).where(CallbackRequest.id.in_(callback_ids)),
        delete(Message).where(Message.ticket_id.in_(ticket_ids)),
        # Their address on someone else's ticket (copied in, wrote from there): unnamed.
        update(Message).where(Message.sender.in_(contacts)).values(sender=None),
        update(Message).where(Message.recipient.in_(contacts)).values(recipient=None),
        delete(Ticket).where(Ticket.customer_id == cid),
        delete(Customer).where(Customer.id == cid),
    ]
    db.session.flush()
    for statement in statements:
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.expunge(customer)
    # A file someone else also sent stays (content-addressed store: it is theirs too).
    shared = set(
        db.session.scalars(
            select(Attachment.sha256).where(Attachment.sha256.in_(sorted(their_hashes)))
        )
    )
    request.cleanup = {
        "files": sorted(their_hashes - shared),
        "recordings": recordings,
        "jobs": jobs,
        "compact": True,
    }
    request.status, request.customer_id, request.counts = "erased", None, counts
    actor = Actor.agent(request.requested_by_id) if request.requested_by_id else SYSTEM
    audit.record(actor, "privacy.customer_erased", request_id=request.id, **counts)
    return counts


def finish(request: PrivacyRequest) -> None:
    """The cleanup list is empty: the erasure is complete."""
    request.status, request.cleanup, request.completed_at = "done", None, utcnow()
    request.last_error = None
