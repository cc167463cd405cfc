"""The transactional outbox.

Domain changes call `enqueue(topic, **payload)` inside their transaction (flush, no commit).
The relay (`app.adapters.rq_relay.relay_once`, run by `flask outbox relay`) hands committed
rows to RQ and marks them dispatched. If Redis is down nothing is lost or blocked: rows wait
in the database.
Jobs mark their row completed; a row handed over but not completed after OUTBOX_STALE_SECONDS
is handed over again only if its RQ job is gone, failed or abandoned (the reconciler; a live
job's row is looked at again with backoff), and job bodies are idempotent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import OutboxItem
from app.models.base import utcnow

log = logging.getLogger(__name__)


def enqueue(topic: str, *, delay_seconds: float = 0, **payload: object) -> OutboxItem:
    """Record work to do after the current transaction commits."""
    now = utcnow()
    item = OutboxItem(
        topic=topic,
        payload=payload,
        created_at=now,
        available_at=now + timedelta(seconds=delay_seconds),
    )
    db.session.add(item)
    return item


def pending_query(now: datetime, limit: int):
    """Rows due for hand-over: never dispatched, or dispatched but stale (never completed)."""
    stale_before = now - timedelta(seconds=current_app.config["OUTBOX_STALE_SECONDS"])
    return (
        select(OutboxItem)
        .where(
            OutboxItem.completed_at.is_(None),
            OutboxItem.failed.is_(False),
            OutboxItem.available_at <= now,
            or_(
                OutboxItem.dispatched_at.is_(None),
                and_(OutboxItem.dispatched_at < stale_before),
            ),
        )
        .order_by(OutboxItem.id)
        .limit(limit)
    )


def back_off(item: OutboxItem, now: datetime) -> None:
    """A stale row whose job is still alive: look again after 1, 2, 4 ... stale periods."""
    item.stale_checks += 1
    stale = max(current_app.config["OUTBOX_STALE_SECONDS"], 1)
    wait = min(stale * 2 ** min(item.stale_checks - 1, 10), max(stale, 3600))
    item.available_at = now + timedelta(seconds=wait)


def lag_seconds() -> float:
    """Age of the oldest item not yet handed to RQ (0 when nothing waits)."""
    oldest = db.session.scalar(
        select(OutboxItem.created_at)
        .where(OutboxItem.dispatched_at.is_(None), OutboxItem.failed.is_(False))
        .order_by(OutboxItem.id)
        .limit(1)
    )
    return max((utcnow() - oldest).total_seconds(), 0.0) if oldest else 0.0


def retry_failed(item: OutboxItem) -> None:
    """An admin's second chance for an item that ran out of retries: due again now."""
    item.failed = False
    item.dispatched_at = None
    item.available_at = utcnow()
    item.job_attempts = 0
