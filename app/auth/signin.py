"""The last step of every sign-in: a server-side session, or first the second factor."""

from __future__ import annotations

import time

from flask import redirect, session, url_for
from flask_login import login_user

from app.domain import audit, sessions
from app.domain.audit import Actor
from app.extensions import db
from app.models import Agent
from app.security import SESSION_KEY

PENDING_KEY = "pending_two_factor"
PENDING_SECONDS = 300


def signed_in(agent: Agent, target: str):
    """Start a server-side session for the agent and put its token in the cookie."""
    token = sessions.start(agent.id)
    audit.record(Actor.agent(agent.id), "agent.login")
    db.session.commit()
    session.clear()
    login_user(agent)
    session[SESSION_KEY] = token
    session.permanent = True
    return redirect(target)


def start_pending(agent: Agent, target: str):
    """The password was right: remember that for a few minutes and ask for the code."""
    session.clear()
    session[PENDING_KEY] = {"agent": agent.id, "at": time.time(), "next": target}
    return redirect(url_for("auth.two_factor_login"))
