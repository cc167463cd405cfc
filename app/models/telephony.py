"""Callback requests, calls and the Twilio delivery receipts that make webhooks idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.enums import CallbackStatus

CALLBACK_STATUSES = tuple(CallbackStatus)
CALLBACK_WINDOWS = (
    "asap",
    "today_morning",
    "today_afternoon",
    "tomorrow_morning",
    "tomorrow_afternoon",
)


class CallbackRequest(db.Model):
    __tablename__ = "callback_requests"
    __table_args__ = (
        Index("ix_callbacks_due", "status", "window_start", "created_at"),
        Index("ix_callbacks_created_at", "created_at"),  # reports (migration 1706)
        Index("ix_callbacks_sla_due", "status", "due_at"),  # overdue callbacks (1708)
        Index("ix_callbacks_reached_at", "reached_at"),  # reports (1708)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    window: Mapped[str] = mapped_column(String(24), default="asap")
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    window_end: Mapped[datetime | None] = mapped_column()
    topic: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(8))  # web | sms | voice | agent
    status: Mapped[str] = mapped_column(String(16), default=CallbackStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    # The callback target (app.domain.sla): due by, reached when, business minutes, met.
    due_at: Mapped[datetime | None] = mapped_column()
    reached_at: Mapped[datetime | None] = mapped_column()
    answer_minutes: Mapped[float | None] = mapped_column()
    sla_met: Mapped[bool | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    ticket = relationship("Ticket")
    customer = relationship("Customer")


class Call(db.Model):
    """One phone call placed or received, with its latest Twilio status."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callback_requests.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    from_number: Mapped[str | None] = mapped_column(String(20))
    to_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    answered_by: Mapped[str | None] = mapped_column(String(32))  # human | machine_* (AMD)
    duration_seconds: Mapped[int | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookReceipt(db.Model):
    """Twilio retries webhooks: a (kind, sid, status) seen before is acknowledged, not redone."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (UniqueConstraint("kind", "sid", "status", name="uq_webhook_receipts_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    sid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
