"""Agent accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from app.domain import sessions
from app.domain.contacts import normalize_email
from app.extensions import db
from app.models import Agent

MIN_PASSWORD_LENGTH = 10


class AgentError(ValueError):
    pass


def upsert_agent(
    email: str,
    password: str,
    *,
    name: str | None = None,
    role: str = "agent",
    phone: str | None = None,
) -> Agent:
    email = normalize_email(email)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AgentError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if role not in ("agent", "admin"):
        raise AgentError("Role must be agent or admin.")
    agent = db.session.scalar(select(Agent).where(func.lower(Agent.email) == email))
    if agent is None:
        agent = Agent(email=email, name=name or email.split("@")[0])
        db.session.add(agent)
    elif name:
        agent.name = name
    agent.role = role
    agent.phone = phone or agent.phone
    agent.active = True
    agent.set_password(password)
    db.session.flush()
    sessions.revoke_all(agent.id, "password")  # a new password ends every old session
    return agent
