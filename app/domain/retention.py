"""Retention: how long each class of personal data is kept (set by an admin), and the
purge that enforces it.

The purge works in small batches: `purge_batch` deletes or anonymizes at most `limit`
rows of one class and flushes; the job commits after each batch, so no transaction is
long enough to hold up the queue (SQLite has one writer; PostgreSQL locks only the rows
it deletes, which are closed and old). Every batch selects what is still past its
period, so running the purge twice, or after a crash, does nothing wrong.

Scheduling lives in the database (`scheduled_runs`): the outbox relay asks `claim_due`
on every pass; the first process that moves `next_run_at` forward enqueues the job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, not_, or_, select, update

from app.domain import schedule, settings
from app.domain.processing import RETENTION_CLASSES
from app.extensions import db
from app.models import (
    Article,
    Attachment,
    AuditEvent,
    Call,
    CallbackRequest,
    Customer,
    Message,
    OutboxItem,
    RateEvent,
    ScheduledRun,
    SlaNotice,
    Ticket,
    VerificationChallenge,
    WebhookReceipt,
)
from app.models.base import utcnow

# Days per class; None keeps the data until the customer is erased (settings.DEFAULTS).
DEFAULT_PERIODS: dict[str, int | None] = settings.DEFAULTS["retention_days"]
JOB_NAME = "retention"
DONE_STATUSES = ("resolved", "closed")
TRANSCRIPTION_REMOVED = "Voicemail. The transcription was removed after the retention period."


def periods() -> dict[str, int | None]:
    stored = settings.get("retention_days", fresh=True) or {}
    return {key: stored.get(key, DEFAULT_PERIODS[key]) for key in RETENTION_CLASSES}


def set_periods(values: dict[str, int | None]) -> None:
    settings.put("retention_days", {k: values.get(k) for k in RETENTION_CLASSES})


@dataclass
class Batch:
    """What one batch did, and what the job must still do outside the database."""

    rows: int = 0
    files: list[str] = field(default_factory=list)  # sha256 no row uses any more


def _ids(query, limit: int) -> list[int]:
    return list(db.session.scalars(query.limit(limit)))


def _unused(hashes: set[str]) -> list[str]:
    if not hashes:
        return []
    used = set(
        db.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(sorted(hashes))))
    )
    return sorted(hashes - used)


def _delete_attachments(ids: list[int]) -> Batch:
    hashes = set(db.session.scalars(select(Attachment.sha256).where(Attachment.id.in_(ids))))
    db.session.execute(delete(Attachment).where(Attachment.id.in_(ids)))
    return Batch(len(ids), _unused(hashes))


def _purge_tickets(cutoff: datetime, limit: int) -> Batch:
    """Resolved/closed tickets untouched since `cutoff`, with everything hanging off them;
    a customer left with no ticket goes too."""
    ticket_ids = _ids(
        select(Ticket.id)
        # No ORDER BY: any batch of due tickets will do, and sorting every due ticket
        # (hundreds of thousands on a first run) cost more than the deletes.
        .where(Ticket.status.in_(DONE_STATUSES), Ticket.updated_at < cutoff),
        limit,
    )
    if not ticket_ids:
        return Batch()
    customer_ids = set(
        db.session.scalars(select(Ticket.customer_id).where(Ticket.id.in_(ticket_ids)))
    )
    message_ids = select(Message.id).where(Message.ticket_id.in_(ticket_ids))
    hashes = set(
        db.session.scalars(select(Attachment.sha256).where(Attachment.message_id.in_(message_ids)))
    )
    callback_ids = select(CallbackRequest.id).where(CallbackRequest.ticket_id.in_(ticket_ids))
    rows = 0
    for statement in (
        delete(OutboxItem).where(
            or_(
                OutboxItem.payload["ticket_id"].as_integer().in_(ticket_ids),
                OutboxItem.payload["message_id"].as_integer().in_(message_ids),
            )
        ),
        update(AuditEvent).where(AuditEvent.ticket_id.in_(ticket_ids)).values(ticket_id=None),
        update(Article)
        .where(Article.source_ticket_id.in_(ticket_ids))
        .values(source_ticket_id=None, redaction_report=None, flags=None),
        delete(Attachment).where(Attachment.message_id.in_(message_ids)),
        delete(Call).where(or_(Call.ticket_id.in_(ticket_ids), Call.callback_id.in_(callback_ids))),
        delete(CallbackRequest).where(CallbackRequest.ticket_id.in_(ticket_ids)),
        delete(VerificationChallenge).where(VerificationChallenge.ticket_id.in_(ticket_ids)),
        delete(Message).where(Message.ticket_id.in_(ticket_ids)),
        delete(SlaNotice).where(SlaNotice.ticket_id.in_(ticket_ids)),
        delete(Ticket).where(Ticket.id.in_(ticket_ids)),
    ):
        rows += db.session.execute(statement).rowcount or 0
    orphans = sorted(
        customer_ids
        - set(
            db.session.scalars(
                select(Ticket.customer_id).where(Ticket.customer_id.in_(customer_ids)).distinct()
            )
        )
    )
    if orphans:
        for statement in (
            update(AuditEvent).where(AuditEvent.customer_id.in_(orphans)).values(customer_id=None),
            delete(VerificationChallenge).where(VerificationChallenge.customer_id.in_(orphans)),
            delete(CallbackRequest).where(CallbackRequest.customer_id.in_(orphans)),
            delete(Customer).where(Customer.id.in_(orphans)),
        ):
            rows += db.session.execute(statement).rowcount or 0
    return Batch(rows, _unused(hashes))


def _purge_attachments(cutoff: datetime, limit: int, *, audio: bool) -> Batch:
    kind = Attachment.content_type.like("audio/%")
    ids = _ids(
        select(Attachment.id)
        .join(Message, Message.id == Attachment.message_id)
        .where(Message.created_at < cutoff, kind if audio else not_(kind))
        .order_by(Attachment.id),
        limit,
    )
    return _delete_attachments(ids) if ids else Batch()


def _purge_transcriptions(cutoff: datetime, limit: int) -> Batch:
    voicemails = db.session.scalars(
        select(Message)
        .where(
            Message.channel == "voice",
            Message.created_at < cutoff,
            Message.body_text != TRANSCRIPTION_REMOVED,
            Message.meta["kind"].as_string() == "voicemail",
        )
        .order_by(Message.id)
        .limit(limit)
    ).all()
    for message in voicemails:
        message.body_text = TRANSCRIPTION_REMOVED
    return Batch(len(voicemails))


def _purge_call_logs(cutoff: datetime, limit: int) -> Batch:
    callbacks = _ids(
        select(CallbackRequest.id)
        .where(
            CallbackRequest.created_at < cutoff,
            CallbackRequest.status.not_in(("pending", "dialing")),
        )
        .order_by(CallbackRequest.id),
        limit,
    )
    calls = db.session.execute(
        select(Call.id, Call.call_sid)
        .where(or_(Call.created_at < cutoff, Call.callback_id.in_(callbacks)))
        .order_by(Call.id)
        .limit(limit)
    ).all()
    call_ids = [call_id for call_id, _ in calls]
    sids = [sid for _, sid in calls if sid] + [f"call-{call_id}" for call_id in call_ids]
    rows = 0
    rows += db.session.execute(delete(WebhookReceipt).where(WebhookReceipt.sid.in_(sids))).rowcount
    rows += db.session.execute(delete(Call).where(Call.id.in_(call_ids))).rowcount
    remaining = db.session.scalars(
        select(Call.callback_id).where(Call.callback_id.in_(callbacks)).distinct()
    ).all()
    done = sorted(set(callbacks) - set(remaining))
    rows += db.session.execute(delete(CallbackRequest).where(CallbackRequest.id.in_(done))).rowcount
    return Batch(rows)


def _purge_rows(model, column, cutoff: datetime, limit: int) -> Batch:
    ids = _ids(select(model.id).where(column < cutoff), limit)
    if not ids:
        return Batch()
    return Batch(db.session.execute(delete(model).where(model.id.in_(ids))).rowcount or 0)


def purge_batch(data_class: str, cutoff: datetime, limit: int) -> Batch:
    """Delete or anonymize at most about `limit` rows of `data_class` older than `cutoff`."""
    if data_class == "messages":
        return _purge_tickets(cutoff, limit)
    if data_class == "attachments":
        return _purge_attachments(cutoff, limit, audio=False)
    if data_class == "recordings":
        return _purge_attachments(cutoff, limit, audio=True)
    if data_class == "transcriptions":
        return _purge_transcriptions(cutoff, limit)
    if data_class == "call_logs":
        return _purge_call_logs(cutoff, limit)
    if data_class == "identity_checks":
        return _purge_rows(VerificationChallenge, VerificationChallenge.created_at, cutoff, limit)
    if data_class == "audit_log":
        return _purge_rows(AuditEvent, AuditEvent.at, cutoff, limit)
    raise ValueError(f"unknown retention class {data_class!r}")


def cutoffs(now: datetime | None = None) -> dict[str, datetime]:
    """Classes with a period, and the time before which their data goes."""
    now = now or utcnow()
    return {k: now - timedelta(days=days) for k, days in periods().items() if days is not None}


def purge_short_lived(now: datetime | None = None) -> dict[str, int]:
    """Rate-limit events older than a week (except wrong-code counts, which lock a customer
    until an admin unlocks) and webhook receipts older than 30 days (Twilio retries for
    hours, not weeks)."""
    now = now or utcnow()
    events = delete(RateEvent).where(
        RateEvent.at < now - timedelta(days=7), not_(RateEvent.key.startswith("otp-fail:"))
    )
    receipts = delete(WebhookReceipt).where(WebhookReceipt.received_at < now - timedelta(days=30))
    return {
        "rate_events": db.session.execute(events).rowcount or 0,
        "webhook_receipts": db.session.execute(receipts).rowcount or 0,
    }


# --- schedule --------------------------------------------------------------------------


def claim_due(every: timedelta, now: datetime | None = None) -> bool:
    """If the retention run is due, move its next time forward and enqueue the job, in the
    caller's transaction. Safe with several relays: the conditional UPDATE lets one win."""
    return schedule.claim(JOB_NAME, every, "privacy.retention", now)


def record_result(result: dict) -> None:
    schedule.record_result(JOB_NAME, result)


def last_run() -> ScheduledRun | None:
    return db.session.get(ScheduledRun, JOB_NAME)
