"""Redis and RQ: the connection, the queue, and the outbox relay that hands rows to RQ.

The domain records outbox rows (`app.domain.outbox.enqueue`); this adapter hands committed
rows to RQ and commits their dispatch marks. If Redis is down nothing is lost or blocked:
rows wait in the database and the next pass catches up.
"""

from __future__ import annotations

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry

from app.domain.outbox import pending_query
from app.extensions import db
from app.models.base import utcnow

JOB_FUNCTION = "workers.jobs.run_outbox_item"


def redis_connection(url: str | None = None) -> Redis:
    """A Redis client with short timeouts, so an outage fails fast instead of hanging."""
    return Redis.from_url(
        url or current_app.config["REDIS_URL"],
        socket_connect_timeout=1,
        socket_timeout=2,
        health_check_interval=10,
    )


def rq_queue(connection: Redis | None = None) -> Queue:
    """The helpdesk's RQ queue on `connection` (a fresh short-timeout one by default)."""
    return Queue(current_app.config["RQ_QUEUE"], connection=connection or redis_connection())


def job_id_for(item_id: int, dispatch_count: int) -> str:
    """One RQ job id per hand-over, so a re-dispatch after a crash is a new job."""
    return f"outbox-{item_id}-{dispatch_count}"


def relay_once(queue: Queue | None = None, batch_size: int = 200) -> int:
    """Hand due outbox rows to RQ and commit. Returns how many were dispatched.

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
                JOB_FUNCTION,
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
