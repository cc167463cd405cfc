"""A rate limiter kept in the database, so every process (web, SMTP, workers) shares it
and it keeps working when Redis is down."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import RateEvent
from app.models.base import utcnow


def count(key: str, window_seconds: int) -> int:
    since = utcnow() - timedelta(seconds=window_seconds)
    return db.session.scalar(
        select(func.count(RateEvent.id)).where(RateEvent.key == key, RateEvent.at >= since)
    )


def allowed(key: str, limit: int, window_seconds: int) -> bool:
    """True while fewer than `limit` events were counted for `key` in the window."""
    return count(key, window_seconds) < limit


def hit(key: str) -> None:
    db.session.add(RateEvent(key=key))


def consume(key: str, limit: int, window_seconds: int) -> bool:
    """Count one event if the limit allows it; False (and nothing counted) when over."""
    if not allowed(key, limit, window_seconds):
        return False
    hit(key)
    return True


def clear(key: str) -> None:
    db.session.execute(delete(RateEvent).where(RateEvent.key == key))


def prune(older_than_seconds: int = 86400) -> int:
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    result = db.session.execute(delete(RateEvent).where(RateEvent.at < cutoff))
    return result.rowcount or 0
