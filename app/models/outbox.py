"""Outbox: work recorded in the same transaction as the change that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import JSONType, utcnow


class OutboxItem(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "dispatched_at", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)  # delayed work (retries)
    dispatched_at: Mapped[datetime | None] = mapped_column()  # handed to RQ
    completed_at: Mapped[datetime | None] = mapped_column(index=True)  # job finished
    dispatch_count: Mapped[int] = mapped_column(default=0)
    job_attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    failed: Mapped[bool] = mapped_column(default=False)
    # How often the reconciler found the row's RQ job still alive (its backoff exponent).
    stale_checks: Mapped[int] = mapped_column(default=0, server_default="0")
