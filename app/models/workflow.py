"""Issue 17's additions: ticket tags and the record of customer merges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import JSONType, utcnow


class TicketTag(db.Model):
    """One tag on one ticket; tags are lower-case words like "invoice" or "fiber-outage"."""

    __tablename__ = "ticket_tags"
    __table_args__ = (Index("ix_ticket_tags_tag", "tag", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerMerge(db.Model):
    """One merge of `source` into `target`, with what moved, so a wrong merge can be split.

    `snapshot` holds the source's own details as they were (the source row keeps only a
    pointer to the target meanwhile); it is business data, never copied into the audit log.
    """

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    confirmed_warnings: Mapped[list | None] = mapped_column(JSONType)
    snapshot: Mapped[dict] = mapped_column(JSONType)
    moved: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    split_at: Mapped[datetime | None] = mapped_column()
    split_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    split_reason: Mapped[str | None] = mapped_column(Text)


class SatisfactionSurvey(db.Model):
    """ "How did we do?" after a ticket is resolved: one per resolution notice.

    The customer answers 1 (good), 2 (OK) or 3 (bad) by SMS reply, by a key in the
    resolution call (voice-only customers), or with one click in the mail (a link signed
    with the survey id, so no token is stored). Results are counted per agent (the assignee
    at resolution), channel and week.
    """

    __tablename__ = "satisfaction_surveys"
    __table_args__ = (Index("ix_surveys_customer_sent", "customer_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | voice
    language: Mapped[str] = mapped_column(String(8), default="en")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    score: Mapped[int | None] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()
    answered_via: Mapped[str | None] = mapped_column(String(16))


class ApiToken(db.Model):
    """A token one integration uses for the JSON API: scoped, revocable, stored only as a
    SHA-256 hash (the token is 32 random bytes, so a fast hash is enough)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))  # shown to admins to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list] = mapped_column(JSONType)
    created_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class WebhookEndpoint(db.Model):
    """Where ticket events are POSTed, signed with HMAC-SHA256 over the body. The secret is
    kept (it must be, to sign), shown to the admin once."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[list] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
