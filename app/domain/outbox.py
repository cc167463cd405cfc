"""The transactional outbox.

Domain changes call `enqueue(topic, **payload)` inside their transaction. The relay
(`relay_once`, run by `flask outbox relay`) hands committed rows to RQ and marks them
dispatched. If Redis is down nothing is lost or blocked: rows wait in the database.
Jobs mark their row completed; a row handed over but never completed is handed over again
after OUTBOX_STALE_SECONDS (the reconciler), and job bodies are idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import OutboxItem
from app.models.base import utcnow

log = logging.getLogger(__name__)

# topic -> handler(payload: dict, item: OutboxItem). Handlers run inside an RQ job with an
# app context and must be idempotent: a job may run twice.
HANDLERS: dict[str, Callable[[dict, OutboxItem], None]] = {}


def handler(topic: str) -> Callable:
    """Register the function that carries out outbox items of `topic`."""

    def register(func: Callable[[dict, OutboxItem], None]) -> Callable:
        HANDLERS[topic] = func
        return func

    return register


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


def redis_connection(url: str | None = None) -> Redis:
    """A Redis client with short timeouts, so an outage fails fast instead of hanging."""
    return Redis.from_url(
        url or current_app.config["REDIS_URL"],
        socket_connect_timeout=1,
        socket_timeout=2,
        health_check_interval=10,
    )


def rq_queue(connection: Redis | None = None) -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=connection or redis_connection())


def job_id_for(item_id: int, dispatch_count: int) -> str:
    return f"outbox-{item_id}-{dispatch_count}"


def pending_query(now: datetime, limit: int):
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


def relay_once(queue: Queue | None = None, batch_size: int = 200) -> int:
    """Hand due outbox rows to RQ. Returns how many were dispatched.

    Raises RedisError if Redis is unreachable; the rows stay pending for the next pass.
    """
    queue = queue or rq_queue()
    items = db.session.scalars(pending_query(utcnow(), batch_size)).all()
    if not items:
        db.session.rollback()
        return 0
    intervals = current_app.config["JOB_RETRY_INTERVALS"]
    dispatched = 0
    try:
        for item in items:
            item.dispatch_count += 1
            queue.enqueue(
                "workers.jobs.run_outbox_item",
                item.id,
                job_id=job_id_for(item.id, item.dispatch_count),
                retry=Retry(max=len(intervals), interval=intervals),
                description=f"outbox {item.topic} #{item.id}",
                failure_ttl=30 * 24 * 3600,
            )
            item.dispatched_at = utcnow()
            dispatched += 1
    except RedisError:
        # Keep what was handed over before the failure; the rest stays pending.
        for item in items[dispatched:]:
            db.session.expire(item)
        db.session.commit()
        raise
    db.session.commit()
    return dispatched


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
