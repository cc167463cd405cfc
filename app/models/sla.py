"""Overdue SLA clocks that have been announced (one row per clock: never twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import JSONType, utcnow


class SlaNotice(db.Model):
    """A clock (first_response | next_response | callback) of a ticket, identified by when it
    started, that became overdue; `recipients` are the agent ids told, `sent_to` those whose
    mail has gone (the job resumes where it stopped)."""

    __tablename__ = "sla_notices"
    __table_args__ = (
        UniqueConstraint("ticket_id", "clock", "started_at", name="uq_sla_notices_clock"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    clock: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[list | None] = mapped_column(JSONType)
    sent_to: Mapped[list | None] = mapped_column(JSONType)
