"""Agent accounts: invitations, roles and deactivation, each audited."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.domain import audit
from app.domain.audit import Actor
from app.domain.contacts import normalize_email, normalize_phone
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Agent
from app.models.enums import Role

MIN_PASSWORD_LENGTH = 10


class AgentError(DomainError):
    """An account change the rules refuse."""


def upsert_agent(
    email: str,
    password: str,
    *,
    name: str | None = None,
    role: str = Role.AGENT,
    phone: str | None = None,
) -> Agent:
    email = normalize_email(email)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AgentError(
            _l("Passwords need at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
        )
    if role not in tuple(Role):
        raise AgentError(_l("Role must be agent or admin."))
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
    return agent


def invite_agent(
    email: str, *, name: str | None, role: str, phone: str | None, admin: Agent
) -> tuple[Agent, str]:
    """Create (or reset) an account with a one-time password the admin passes on by phone."""
    temporary = secrets.token_urlsafe(12)
    agent = upsert_agent(
        email, temporary, name=name, role=role, phone=normalize_phone(phone) if phone else None
    )
    audit.record(Actor.agent(admin.id), "agent.invited", agent_id=agent.id)
    return agent, temporary


def update_agent(agent: Agent, *, role: str, active: bool, admin: Agent) -> Agent:
    """Change an agent's role or deactivate them. Nobody removes their own admin rights."""
    if role not in tuple(Role):
        raise AgentError(_l("Role must be agent or admin."))
    if agent.id == admin.id and (not active or role != Role.ADMIN):
        raise AgentError(_l("You cannot remove your own admin rights or deactivate yourself."))
    agent.role, agent.active = role, active
    audit.record(
        Actor.agent(admin.id), "agent.updated", agent_id=agent.id, role=agent.role, active=active
    )
    return agent
