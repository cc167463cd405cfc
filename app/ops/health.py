"""Readiness checks: can this process reach what it needs to do its work?"""

from __future__ import annotations

from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.adapters.rq_relay import redis_connection
from app.extensions import db


def check_database() -> str | None:
    """None when the database answers; otherwise a short reason (no secrets, no URLs)."""
    try:
        db.session.execute(text("SELECT 1"))
        return None
    except SQLAlchemyError as error:
        db.session.rollback()
        return type(error).__name__
    finally:
        db.session.remove()


def check_redis() -> str | None:

    try:
        redis_connection().ping()
        return None
    except RedisError as error:
        return type(error).__name__
