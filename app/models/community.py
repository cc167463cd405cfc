"""Community articles drawn from resolved tickets. The public side never sees the ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import JSONType, utcnow
from app.models.enums import ArticleStatus
from app.textsearch import stems_text

ARTICLE_STATUSES = tuple(ArticleStatus)


def _stems_of_new_row(context) -> str:
    """Insert default: stems of the row's public text (edits set the column themselves)."""
    values = context.get_current_parameters()
    return stems_text(
        " ".join(values.get(name) or "" for name in ("title", "problem", "resolution"))
    )


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(64), default="general", index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.DRAFT.value)
    # Agent-only: where the draft came from and what the anonymizer removed.
    source_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)
    redaction_report: Mapped[dict | None] = mapped_column(JSONType)
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    approved_at: Mapped[datetime | None] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column()
    retracted_at: Mapped[datetime | None] = mapped_column()
    # The allow-list gate's flags: [{"field", "token", "decision": None|"keep"|"redact"}].
    # Approval needs a decision for each; auto-publish happens only with none at all.
    flags: Mapped[list | None] = mapped_column(JSONType)
    review_reason: Mapped[str | None] = mapped_column(String(32))
    checked_at: Mapped[datetime | None] = mapped_column()  # shown: "Checked by ..., <date>"
    helpful_no_at_check: Mapped[int] = mapped_column(default=0)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    # Snowball stems (Swedish and English) of the public text, for search on SQLite (FTS5
    # has no Swedish stemmer); PostgreSQL uses its own language configurations.
    search_stems: Mapped[str | None] = mapped_column(Text, default=_stems_of_new_row)


class ArticleVote(db.Model):
    """One vote per browser: the voter token is a random cookie value, stored hashed."""

    __tablename__ = "article_votes"
    __table_args__ = (UniqueConstraint("article_id", "voter_hash", name="uq_article_votes_voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    voter_hash: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
