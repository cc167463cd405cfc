"""Customers: one person, reachable by several channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class Customer(db.Model):
    __tablename__ = "customers"
    # Name search by prefix in any case, å/ä/ö included (migration 1704): SQLite's lower()
    # is ASCII-only, so the folded forms are computed in Python and indexed.
    __table_args__ = (
        Index("ix_customers_name_folded", "name_folded"),
        Index("ix_customers_name_tail_folded", "name_tail_folded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200), index=True)
    # casefold(name), and the same without the first word ("åsa öberg" / "öberg"): kept in
    # step by the ORM events below, so a search for "åsa" or "ÖBERG" finds "Åsa Öberg".
    name_folded: Mapped[str | None] = mapped_column(String(200))
    name_tail_folded: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # normalized lower-case
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Private account data (masked until the customer is verified).
    address: Mapped[str | None] = mapped_column(Text)
    account_number: Mapped[str | None] = mapped_column(String(64))
    # When a contact detail was (re)set: a freshly changed contact does not verify on its own.
    email_changed_at: Mapped[datetime | None] = mapped_column()
    phone_changed_at: Mapped[datetime | None] = mapped_column()
    # Care note ("hard of hearing - text first"): shown on every ticket, even unverified,
    # so it must hold no private data.
    care_note: Mapped[str | None] = mapped_column(String(300))
    # Set when this customer was merged into another (see CustomerMerge); intake follows it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    sms_opted_out: Mapped[bool] = mapped_column(default=False)
    sms_opted_out_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.phone or f"Customer {self.id}"

    def __repr__(self) -> str:  # never print contact details
        return f"<Customer {self.id}>"


def fold_name(name: str | None) -> tuple[str | None, str | None]:
    """('Åsa  Öberg') -> ('åsa öberg', 'öberg'): case-folded, spaces collapsed."""
    folded = " ".join((name or "").split()).casefold()[:200]
    if not folded:
        return None, None
    _first, _space, tail = folded.partition(" ")
    return folded, tail or None


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _fold_name(mapper, connection, target: Customer) -> None:  # noqa: ARG001
    target.name_folded, target.name_tail_folded = fold_name(target.name)
