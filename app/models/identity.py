"""One-time-code challenges for identity verification. Codes are stored only as HMAC hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class VerificationChallenge(db.Model):
    __tablename__ = "verification_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | email | voice
    code_hash: Mapped[str] = mapped_column(String(128))
    link_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column()
    dead: Mapped[bool] = mapped_column(default=False)
    created_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    # set when the code goes to a trusted helper's own contact instead of the customer's
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("trusted_helpers.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
