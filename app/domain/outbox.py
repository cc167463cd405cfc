"""The transactional outbox.

Domain changes call `enqueue(topic, **payload)` inside their transaction. The relay
(`relay_once`, run by `flask outbox relay`) hands committed rows to RQ and marks them
dispatched. If Redis is down nothing is lost or blocked: rows wait in the database.
Jobs mark their row completed; a row handed over but not completed after OUTBOX_STALE_SECONDS
is handed over again only if its RQ job is gone, failed or abandoned (the reconciler; a live
job's row is looked at again with backoff), and job bodies are idempotent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job, JobStatus
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
    """One job id per hand-over; it names the queue, so helpdesks sharing a Redis never clash."""
    return f"outbox-{current_app.config['RQ_QUEUE']}-{item_id}-{dispatch_count}"


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
    now = utcnow()
    items = db.session.scalars(pending_query(now, batch_size)).all()
    if not items:
        db.session.rollback()
        return 0
    stale = [item for item in items if item.dispatched_at is not None]
    if stale:
        alive = jobs_alive(queue, stale)
        for item in stale:
            if item.id in alive:
                back_off(item, now)
        items = [item for item in items if item.id not in alive]
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
                job_timeout=current_app.config["OUTBOX_JOB_TIMEOUT"],
                description=f"outbox {item.topic} #{item.id}",
                failure_ttl=30 * 24 * 3600,
            )
            item.dispatched_at = utcnow()
            item.stale_checks = 0
            dispatched += 1
    except RedisError:
        # Keep what was handed over before the failure; the rest stays pending.
        for item in items[dispatched:]:
            db.session.expire(item)
        db.session.commit()
        raise
    db.session.commit()
    return dispatched


# RQ states in which a job will still run (or is running) without our help.
_WAITING = {JobStatus.CREATED, JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def jobs_alive(queue: Queue, items: list[OutboxItem]) -> set[int]:
    """Ids of the stale rows whose RQ job is still waiting or running: not to be handed over.

    A row goes back to RQ only when its job is gone (Redis lost it), finished or failed
    without completing the row, or abandoned (running in a worker that died: its execution
    in RQ's started registry has expired).
    """
    jobs = Job.fetch_many(
        [job_id_for(item.id, item.dispatch_count) for item in items], connection=queue.connection
    )
    registry = queue.started_job_registry
    running = {
        registry.parse_job_id(entry)
        for entry in queue.connection.zrangebyscore(registry.key, time.time(), "+inf")
    }
    alive = set()
    for item, job in zip(items, jobs, strict=True):
        if job is None:
            continue
        status = job.get_status(refresh=False)
        if status in _WAITING or (status == JobStatus.STARTED and job.id in running):
            alive.add(item.id)
    return alive


def back_off(item: OutboxItem, now: datetime) -> None:
    """Look at a row whose job is still alive again later: after 1, 2, 4 ... stale periods."""
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
