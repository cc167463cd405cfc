"""Security state that must hold across processes: attempt counters claimed atomically,
revocable agent sessions and agents' second factors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class AttemptCounter(db.Model):
    """Tries left for one key (an account, an address) in a fixed window. Claimed with one
    conditional UPDATE, so concurrent requests can never evaluate more than the limit."""

    __tablename__ = "attempt_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    count: Mapped[int] = mapped_column(default=0)
