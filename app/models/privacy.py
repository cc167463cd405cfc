"""Data-protection requests (erasure, export) and their progress.

An erasure deletes the customer's rows in one transaction, then finishes the work outside
the database (files, Twilio recordings, queued jobs, search-index compaction) from the
`cleanup` list, which shrinks as each step succeeds: a failed run resumes where it stopped.
After the database step, nothing here identifies the person (no customer id, no values).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import JSONType, utcnow

REQUEST_KINDS = ("erasure", "export")
# pending -> erased (database done, cleanup left) -> done
REQUEST_STATUSES = ("pending", "erased", "done")


class PrivacyRequest(db.Model):
    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Cleared by the erasure itself: afterwards the request names nobody.
    customer_id: Mapped[int | None] = mapped_column(index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    # Articles an agent confirmed hold nothing of the customer's (kept published).
    keep_article_ids: Mapped[list | None] = mapped_column(JSONType)
    # What is left outside the database: {"files": [...], "recordings": [...], "jobs": [...]}.
    cleanup: Mapped[dict | None] = mapped_column(JSONType)
    counts: Mapped[dict | None] = mapped_column(JSONType)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()


class ScheduledRun(db.Model):
    """A periodic job's next due time, kept in the database so the schedule survives
    restarts; whoever moves `next_run_at` forward first (a conditional UPDATE) runs it."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column()
    last_started_at: Mapped[datetime | None] = mapped_column()
    last_finished_at: Mapped[datetime | None] = mapped_column()
    last_result: Mapped[dict | None] = mapped_column(JSONType)
