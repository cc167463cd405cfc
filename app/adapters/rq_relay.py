"""Redis and RQ: the connection, the queue, and the outbox relay that hands rows to RQ.

The domain records outbox rows (`app.domain.outbox.enqueue`); this adapter hands committed
rows to RQ and commits their dispatch marks. If Redis is down nothing is lost or blocked:
rows wait in the database and the next pass catches up.
"""

from __future__ import annotations

import time

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job, JobStatus

from app.domain.outbox import back_off, pending_query
from app.extensions import db
from app.models import OutboxItem
from app.models.base import utcnow

JOB_FUNCTION = "workers.jobs.run_outbox_item"
# Topics whose job may run longer than OUTBOX_JOB_TIMEOUT (seconds): an erasure deletes a
# whole customer in one transaction and vacuums the tables it touched.
LONG_JOBS = {"privacy.erase": 1800}


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
    """One RQ job id per hand-over, so a re-dispatch after a crash is a new job. It names
    the queue, so helpdesks (and parallel test runs) sharing a Redis never clash."""
    return f"outbox-{current_app.config['RQ_QUEUE']}-{item_id}-{dispatch_count}"


def relay_once(queue: Queue | None = None, batch_size: int = 200) -> int:
    """Hand due outbox rows to RQ and commit. Returns how many were dispatched.

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
                JOB_FUNCTION,
                item.id,
                job_id=job_id_for(item.id, item.dispatch_count),
                retry=Retry(max=len(intervals), interval=intervals),
                job_timeout=max(
                    current_app.config["OUTBOX_JOB_TIMEOUT"], LONG_JOBS.get(item.topic, 0)
                ),
                description=f"outbox {item.topic} #{item.id}",
                failure_ttl=30 * 24 * 3600,
                result_ttl=0,  # the outcome lives on the outbox row; saves RQ's bookkeeping
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


# RQ states in which a job will still run without our help.
_WAITING = {JobStatus.CREATED, JobStatus.QUEUED, JobStatus.DEFERRED}


def jobs_alive(queue: Queue, items: list[OutboxItem]) -> set[int]:
    """Ids of the stale rows whose RQ job is still waiting or running: not to be handed over.

    A row goes back to RQ only when its job is gone (Redis lost it), finished or failed
    without completing the row, abandoned (it was running in a worker that died: its
    execution in RQ's started registry has expired), or scheduled (a retry) but overdue by
    more than a stale period: no scheduler is moving it (the one holding the lock died).
    """
    jobs = Job.fetch_many(
        [job_id_for(item.id, item.dispatch_count) for item in items], connection=queue.connection
    )
    registry = queue.started_job_registry
    running = {
        registry.parse_job_id(entry)
        for entry in queue.connection.zrangebyscore(registry.key, time.time(), "+inf")
    }
    overdue_before = time.time() - max(current_app.config["OUTBOX_STALE_SECONDS"], 1)
    alive = set()
    for item, job in zip(items, jobs, strict=True):
        if job is None:
            continue
        status = job.get_status(refresh=False)
        if status == JobStatus.SCHEDULED:
            due = queue.connection.zscore(queue.scheduled_job_registry.key, job.id)
            if due is not None and due > overdue_before:
                alive.add(item.id)
        elif status in _WAITING or (status == JobStatus.STARTED and job.id in running):
            alive.add(item.id)
    return alive
