"""Security state that must hold across processes: attempt counters claimed atomically,
revocable agent sessions and agents' second factors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
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


class AgentSession(db.Model):
    """One signed-in browser. The cookie carries a random token; only its hash is kept, and
    a session is valid only while its row is: logout, deactivation, a new password or an
    admin's "log out everywhere" revoke it at once, whatever the cookie says."""

    __tablename__ = "agent_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RecoveryCode(db.Model):
    """A one-time way in when the phone with the authenticator app is lost. Only a hash."""

    __tablename__ = "agent_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column()


class PasskeyCredential(db.Model):
    """A WebAuthn security key or passkey an agent registered as a second factor."""

    __tablename__ = "agent_passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(512), unique=True)  # base64url
    public_key: Mapped[str] = mapped_column(Text)  # base64url COSE key
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
