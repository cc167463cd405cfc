"""Agents: the people who answer. Passwords are argon2-hashed."""

from __future__ import annotations

import contextlib
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow
from app.models.enums import Role

_hasher = PasswordHasher()
# A real hash of a random string, so unknown logins cost the same time as known ones.
DUMMY_HASH = _hasher.hash("not-a-real-password-0f3a")

ROLES = tuple(Role)


class Agent(UserMixin, db.Model):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.AGENT.value)
    active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # On shift and taking new tickets: only available agents get automatic assignments.
    available: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive agents
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<Agent {self.id} {self.role}>"


def verify_dummy(password: str) -> None:
    """Spend the same time as a real check, to avoid revealing which emails exist."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        _hasher.verify(DUMMY_HASH, password)
