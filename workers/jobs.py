"""The one RQ job: carry out an outbox item. Safe to run twice."""

from __future__ import annotations

import logging

from rq import get_current_job

from app.extensions import db
from app.models import OutboxItem
from app.models.base import utcnow
from app.ops.metrics import JOB_FAILURES
from app.wiring import TOPIC_HANDLERS
from workers.context import app_context
from workers.handlers import on_final_failure

log = logging.getLogger(__name__)


def run_outbox_item(item_id: int) -> str:
    """Run the handler for outbox item `item_id` unless it already completed."""
    with app_context():
        item = db.session.get(OutboxItem, item_id)
        if item is None:
            return "missing"
        if item.completed_at is not None:
            return "already done"
        handler = TOPIC_HANDLERS.get(item.topic)
        item.job_attempts += 1
        try:
            if handler is None:
                raise LookupError(f"no handler registered for outbox topic {item.topic!r}")
            handler(dict(item.payload or {}), item)
        except Exception as exc:
            db.session.rollback()
            item = db.session.get(OutboxItem, item_id)
            item.job_attempts += 1
            item.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            job = get_current_job()
            if job is None or not job.retries_left:
                item.failed = True  # final: the reconciler must not hand it over again
                on_final_failure(item)
            db.session.commit()
            JOB_FAILURES.labels(topic=item.topic).inc()
            log.warning("outbox item %s (%s) failed: %s", item_id, item.topic, type(exc).__name__)
            raise
        item.completed_at = utcnow()
        item.last_error = None
        db.session.commit()
        return "done"
