"""Tickets, their messages and attachments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, utcnow
from app.models.enums import TICKET_CHANNELS, TicketStatus

STATUSES = tuple(TicketStatus)
PRIORITIES = {0: "low", 1: "normal", 2: "high", 3: "urgent"}
CHANNELS = TICKET_CHANNELS


ACTIVE_SQL = "status IN ('new', 'open', 'waiting')"


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_queue", "status", "priority", "created_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        # Retention finds resolved/closed tickets past their period (migration 1803).
        Index("ix_tickets_status_updated", "status", "updated_at"),
        # Only tickets that need work, in queue order (migration 0401).
        Index(
            "ix_tickets_active_queue",
            text("priority DESC"),
            "created_at",
            "id",
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
        # Reports (migrations 1706, 1708): covering indexes for ranges of opening/resolution
        # days, with the SLA outcomes recorded when they happened.
        Index(
            "ix_tickets_created_report",
            "created_at",
            "channel",
            "priority",
            "first_response_met",
            "first_response_minutes",
        ),
        Index(
            "ix_tickets_resolved_report",
            "resolved_at",
            "channel",
            "priority",
            "resolution_met",
            "resolution_minutes",
            "assignee_id",
        ),
        # The "N overdue" count: running response clocks past due (migration 1708).
        Index("ix_tickets_sla_due", "status", "sla_due_at"),
        # Late resolution clocks (migration 1709): covers the response due time as well, so
        # the count of tickets late only on resolution reads the index alone.
        Index("ix_tickets_resolution_due", "status", "resolution_due_at", "sla_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.NEW.value)
    priority: Mapped[int] = mapped_column(default=1)
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_customer_message_at: Mapped[datetime | None] = mapped_column()
    first_response_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    # SLA outcomes, recorded when they happen (app.domain.sla): business minutes from opening
    # and whether the target of that moment was met. Reports count these.
    first_response_minutes: Mapped[float | None] = mapped_column()
    first_response_met: Mapped[bool | None] = mapped_column()
    resolution_minutes: Mapped[float | None] = mapped_column()
    resolution_met: Mapped[bool | None] = mapped_column()
    # When the running response clock is due (None: no clock runs, or not computed yet).
    sla_due_at: Mapped[datetime | None] = mapped_column()
    # When the resolution clock is due (business minutes from opening; None when no clock).
    resolution_due_at: Mapped[datetime | None] = mapped_column()
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    # Written or accepted by the agent at resolution for the public community answer.
    public_question: Mapped[str | None] = mapped_column(Text)
    public_answer: Mapped[str | None] = mapped_column(Text)
    # Identity verification: private fields are shown only while verified_until is in the future.
    verified_until: Mapped[datetime | None] = mapped_column()
    verified_level: Mapped[str | None] = mapped_column(String(32))
    # level "helper": the agent speaks with this trusted helper (trusted_helpers.id), not the
    # customer. No foreign key: trusted_helpers already points at tickets (scope), and a
    # cycle would make the two tables impossible to empty in order.
    verified_helper_id: Mapped[int | None] = mapped_column()
    # Optimistic concurrency: every agent change must name the version it saw.
    version: Mapped[int] = mapped_column(default=1)

    customer = relationship("Customer", lazy="joined")
    assignee = relationship("Agent", lazy="joined")
    messages = relationship(
        "Message", back_populates="ticket", order_by="Message.created_at, Message.id"
    )

    def __repr__(self) -> str:
        return f"<Ticket {self.reference} {self.status}>"


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket_created", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | voice | web | note | system
    is_internal: Mapped[bool] = mapped_column(default=False)
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    sender: Mapped[str | None] = mapped_column(String(320))
    recipient: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)  # sanitized with nh3, never raw
    # Email threading. Unique: a reused Message-ID on different mail is kept under delivery_key.
    email_message_id: Mapped[str | None] = mapped_column(String(998), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references_header: Mapped[str | None] = mapped_column(Text)
    # What identifies one inbound email delivery: its Message-ID *and* a hash of its content
    # (a retry is stored once; different mail under a reused or missing Message-ID is kept).
    delivery_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # Twilio MessageSid / CallSid / RecordingSid; a duplicate delivery is stored once.
    external_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    auth_results: Mapped[dict | None] = mapped_column(JSONType)
    spoof_suspected: Mapped[bool] = mapped_column(default=False)
    delivery_status: Mapped[str | None] = mapped_column(String(16))  # queued|sent|failed|blocked
    delivery_error: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket = relationship("Ticket", back_populates="messages")
    author = relationship("Agent")
    attachments = relationship("Attachment", back_populates="message")


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    inline: Mapped[bool] = mapped_column(default=False)
    content_id: Mapped[str | None] = mapped_column(String(255))

    message = relationship("Message", back_populates="attachments")
