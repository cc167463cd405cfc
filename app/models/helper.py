"""Trusted helpers: a relative or carer a verified customer lets act for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, utcnow


class TrustedHelper(db.Model):
    __tablename__ = "trusted_helpers"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    # None: every ticket of the customer; else only this one
    scope_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    may_see: Mapped[list] = mapped_column(JSONType, default=list)  # private fields it unlocks
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    created_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer = relationship("Customer")
