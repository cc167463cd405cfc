"""The erasure job: the database step, then files, Twilio recordings, queued jobs and
search-index compaction. Each finished step is committed, so a failure resumes there."""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import select, text

from app.adapters import twilio_rest
from app.adapters.rq_relay import job_id_for, redis_connection
from app.domain import outbox, privacy, retention
from app.extensions import db
from app.models import Attachment, OutboxItem, PrivacyRequest

log = logging.getLogger(__name__)


def delete_file(sha256: str) -> None:
    """Remove one content-addressed file unless an attachment row still uses it."""
    if db.session.scalar(select(Attachment.id).where(Attachment.sha256 == sha256).limit(1)):
        return
    path = Path(current_app.config["ATTACHMENT_DIR"]) / sha256[:2] / sha256
    path.unlink(missing_ok=True)


def delete_jobs(handovers: list[list[int]]) -> None:
    """Remove the RQ jobs of these (outbox id, hand-over number) pairs, whether queued,
    failed or finished (their data and registry entries)."""
    connection = redis_connection()
    for item_id, number in handovers:
        with contextlib.suppress(NoSuchJobError):
            job = Job.fetch(job_id_for(item_id, number), connection=connection)
            job.delete(remove_from_queue=True, delete_dependents=False)


# Merging all FTS5 segments into one drops deleted terms. 'optimize' does it in one
# transaction (about 5 s at a million messages: writers would wait); 'merge' with a
# negative page count does the same work in steps of a few hundred milliseconds.
FTS_MERGES = (
    text("INSERT INTO messages_fts(messages_fts, rank) VALUES ('merge', -64)"),
    text("INSERT INTO articles_fts(articles_fts, rank) VALUES ('merge', -64)"),
)


def merge_fts(engine, statement, max_steps: int = 100_000) -> int:
    """Run one incremental merge step per transaction until a step does no work."""
    for step in range(1, max_steps + 1):
        with engine.begin() as conn:
            before = conn.execute(text("SELECT total_changes()")).scalar()
            conn.execute(statement)
            after = conn.execute(text("SELECT total_changes()")).scalar()
        if after - before < 2:  # SQLite's documented sign that the merge is complete
            return step
        time.sleep(0.001)  # let other writers in
    return max_steps


def compact_search_indexes() -> None:
    """Deleted rows linger in full-text indexes (FTS5 segments, dead PostgreSQL tuples and
    GIN entries) until merged or vacuumed: do it now rather than someday."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        for statement in FTS_MERGES:
            merge_fts(engine, statement)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in privacy.VACUUM_TABLES:
            conn.exec_driver_sql(f"VACUUM {table}")  # noqa: S608 - fixed names


def erase(payload: dict, item: OutboxItem) -> None:
    request = db.session.get(PrivacyRequest, payload["request_id"])
    if request is None or request.status == "done":
        return
    if request.status == "pending":
        privacy.erase_customer_rows(request)
        db.session.commit()  # all of the customer's rows, or (on failure) none
    work = dict(request.cleanup or {})
    steps = (("files", delete_file), ("recordings", twilio_rest.delete_recording))
    for key, step in steps:
        while work.get(key):
            step(work[key][0])
            work[key] = work[key][1:]
            request.cleanup = dict(work)
            db.session.commit()
    if work.get("jobs"):
        delete_jobs(work["jobs"])
        work["jobs"] = []
        request.cleanup = dict(work)
        db.session.commit()
    if work.get("compact"):
        db.session.commit()  # no open transaction may hold the old rows visible
        compact_search_indexes()
        work["compact"] = False
        request.cleanup = dict(work)
    privacy.finish(request)
    log.info("erasure request %s done", request.id)


def retention_run(payload: dict, item: OutboxItem) -> None:
    """Purge what is past its period, one short transaction per batch (idempotent)."""
    limit = current_app.config["RETENTION_BATCH"]
    # Stop well inside the RQ job timeout and hand the rest to a fresh job.
    slice_seconds = current_app.config["OUTBOX_JOB_TIMEOUT"] / 2
    started = time.monotonic()
    result: dict[str, int] = {}
    for data_class, cutoff in retention.cutoffs().items():
        total = 0
        while True:
            batch = retention.purge_batch(data_class, cutoff, limit)
            db.session.commit()
            for sha256 in batch.files:
                delete_file(sha256)
            total += batch.rows
            if not batch.rows:
                break
            if time.monotonic() - started > slice_seconds:
                outbox.enqueue("privacy.retention", continued=True)
                result[data_class] = total
                retention.record_result({**result, "continued": True})
                return
            time.sleep(0.001)  # let other writers in between batches (SQLite: one writer)
        result[data_class] = total
    result.update(retention.purge_short_lived())
    db.session.commit()
    retention.record_result(result)
    log.info("retention run purged %s", result)
