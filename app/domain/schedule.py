"""Periodic jobs scheduled in the database (`scheduled_runs`), so the schedule survives
restarts and several relays never start the same run twice: the outbox relay asks `claim`
on every pass, and the one process whose conditional UPDATE moves `next_run_at` forward
enqueues the job, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from app.domain import outbox
from app.extensions import db
from app.models import ScheduledRun
from app.models.base import utcnow


def claim(name: str, every: timedelta, topic: str, now: datetime | None = None) -> bool:
    """If run `name` is due, move its next time forward and enqueue `topic`."""
    now = now or utcnow()
    if db.session.get(ScheduledRun, name) is None:
        db.session.add(ScheduledRun(name=name, next_run_at=now))
        db.session.flush()
    claimed = db.session.execute(
        update(ScheduledRun)
        .where(ScheduledRun.name == name, ScheduledRun.next_run_at <= now)
        .values(next_run_at=now + every, last_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        outbox.enqueue(topic)
    return bool(claimed)


def record_result(name: str, result: dict) -> None:
    run = db.session.get(ScheduledRun, name)
    if run is not None:
        run.last_finished_at, run.last_result = utcnow(), result
