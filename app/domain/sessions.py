"""Server-side agent sessions: a stolen or kept cookie stops working when we say so.

The signed Flask cookie only names a session (a random token); the row decides. A session
ends on logout, after SESSION_IDLE_MINUTES without a request, after SESSION_LIFETIME_SECONDS
in total, and for every browser of an agent on deactivation, a new password, or an admin's
"log out everywhere".
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models.base import utcnow
from app.models.security import AgentSession

TOUCH_SECONDS = 60  # write last_seen_at at most once a minute per session


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(agent_id: int) -> str:
    """A new session for `agent_id`; returns the token to keep in the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(AgentSession(agent_id=agent_id, token_hash=_hash(token)))
    db.session.flush()
    return token


def find(token: str | None, agent_id: int) -> AgentSession | None:
    """The live session behind `token` for this agent, or None (revoked, idle, too old)."""
    if not token:
        return None
    record = db.session.scalar(select(AgentSession).where(AgentSession.token_hash == _hash(token)))
    if record is None or record.agent_id != agent_id or record.revoked_at is not None:
        return None
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    lifetime = timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME_SECONDS"])
    if now - record.last_seen_at > idle or now - record.created_at > lifetime:
        return None
    return record


def needs_touch(record: AgentSession) -> bool:
    return (utcnow() - record.last_seen_at).total_seconds() > TOUCH_SECONDS


def touch(record: AgentSession) -> None:
    record.last_seen_at = utcnow()


def revoke(token: str | None, reason: str = "logout") -> None:
    if token:
        _revoke(AgentSession.token_hash == _hash(token), reason=reason)


def revoke_all(agent_id: int, reason: str, *, keep: str | None = None) -> None:
    """End every session of the agent (except `keep`, the browser asking, if given)."""
    clauses = [AgentSession.agent_id == agent_id]
    if keep:
        clauses.append(AgentSession.token_hash != _hash(keep))
    _revoke(*clauses, reason=reason)


def _revoke(*clauses, reason: str) -> None:
    db.session.execute(
        update(AgentSession)
        .where(*clauses, AgentSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )


def active_count(agent_id: int) -> int:
    since = utcnow() - timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    return len(
        db.session.scalars(
            select(AgentSession.id).where(
                AgentSession.agent_id == agent_id,
                AgentSession.revoked_at.is_(None),
                AgentSession.last_seen_at >= since,
            )
        ).all()
    )
