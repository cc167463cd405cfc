"""Mailboxes we read (IMAP), their live status, and what we already took from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class MailboxAccount(db.Model):
    """A mailbox an admin added on the admin page (others come from IMAP_MAILBOXES)."""

    __tablename__ = "mailbox_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=993)
    security: Mapped[str] = mapped_column(String(16), default="tls")  # tls | starttls | plain
    username: Mapped[str] = mapped_column(String(255))
    auth: Mapped[str] = mapped_column(String(16), default="password")  # password|microsoft|google
    # password, client secret or service-account JSON, encrypted with a key from SECRET_KEY
    secret: Mapped[str] = mapped_column(Text, default="")
    tenant: Mapped[str] = mapped_column(String(120), default="")
    client_id: Mapped[str] = mapped_column(String(255), default="")
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    processed_folder: Mapped[str] = mapped_column(String(255), default="Processed")
    smtp_host: Mapped[str] = mapped_column(String(255), default="")
    smtp_port: Mapped[int] = mapped_column(Integer, default=587)
    smtp_security: Mapped[str] = mapped_column(String(16), default="starttls")
    sent_folder: Mapped[str] = mapped_column(String(255), default="Sent")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailboxState(db.Model):
    """What the fetcher last saw for one mailbox: shown on the admin page and in /readyz."""

    __tablename__ = "mailbox_states"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="starting")  # ok|auth_failed|error
    message: Mapped[str] = mapped_column(Text, default="")
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column()
    retry_at: Mapped[datetime | None] = mapped_column()


class ImapReceipt(db.Model):
    """One message taken from a mailbox, committed with its ticket message.

    (mailbox, uidvalidity, uid) is unique: a second fetcher or a retry after a crash between
    our commit and the IMAP mark finds the row and only marks. The Message-ID catches the
    same mail again under a new UIDVALIDITY.
    """

    __tablename__ = "imap_receipts"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_imap_receipts_identity"),
        Index("ix_imap_receipts_mailbox_message_id", "mailbox", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(120))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(998))
    outcome: Mapped[str] = mapped_column(String(20))  # ticket|duplicate|bounce|...|rejected
    reference: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
