"""Attempt limits that hold under concurrency (login failures, code checks).

`ratelimit` counts events and then decides, which lets 40 simultaneous requests all read
"4 so far" and all go ahead. Here a request first *claims* a try with one conditional
UPDATE (`... WHERE count < limit`): the database serialises the writers (a row lock on
PostgreSQL, the write lock on SQLite), so at most `limit` claims succeed per window.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models.base import utcnow
from app.models.security import AttemptCounter


def _ensure_row(key: str) -> None:
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(AttemptCounter).values(key=key, window_started_at=utcnow(), count=0)
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["key"]))


def claim(key: str, limit: int, window_seconds: int) -> bool:
    """Take one try for `key`; False (nothing taken) when `limit` tries were used in the window."""
    _ensure_row(key)
    now = utcnow()
    expired = AttemptCounter.window_started_at < now - timedelta(seconds=window_seconds)
    result = db.session.execute(
        update(AttemptCounter)
        .where(AttemptCounter.key == key, or_(AttemptCounter.count < limit, expired))
        .values(
            count=case((expired, 1), else_=AttemptCounter.count + 1),
            window_started_at=case((expired, now), else_=AttemptCounter.window_started_at),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def refund(key: str) -> None:
    """Give a claimed try back (it was not a failure, e.g. a successful login)."""
    db.session.execute(
        update(AttemptCounter)
        .where(AttemptCounter.key == key, AttemptCounter.count > 0)
        .values(count=AttemptCounter.count - 1)
        .execution_options(synchronize_session=False)
    )


def reset(key: str) -> None:
    db.session.execute(
        update(AttemptCounter)
        .where(AttemptCounter.key == key)
        .values(count=0)
        .execution_options(synchronize_session=False)
    )
