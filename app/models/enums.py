"""The states and kinds stored as strings, typed once.

`StrEnum` members are `str`: they compare equal to the stored values, go into the database
unchanged and render as their value in templates, so no data migration was needed.
"""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    """new → open → waiting → resolved → closed; a customer reply reopens a resolved ticket."""

    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


# Tickets that still need work (the agent queue's default view).
ACTIVE_STATUSES: tuple[TicketStatus, ...] = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.WAITING,
)


class Channel(StrEnum):
    """How a ticket or message reached us (or left us)."""

    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    WEB = "web"
    NOTE = "note"  # an agent's internal note (messages only)
    SYSTEM = "system"  # a note the system adds, e.g. "the customer sent STOP" (messages only)


TICKET_CHANNELS: tuple[Channel, ...] = (Channel.EMAIL, Channel.SMS, Channel.VOICE, Channel.WEB)


class Role(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


class ArticleStatus(StrEnum):
    """draft → approved → published → retracted (or rejected by a reviewer). A published
    answer that may no longer be true (old, "did not help", contradicted) goes to review."""

    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"
    REVIEW = "review"
    RETRACTED = "retracted"
    REJECTED = "rejected"


class CallbackStatus(StrEnum):
    PENDING = "pending"
    DIALING = "dialing"
    COMPLETED = "completed"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    CANCELLED = "cancelled"
