"""Security headers and the login loader."""

from __future__ import annotations

from flask import Flask, Response, session
from sqlalchemy.exc import OperationalError

from app.domain import sessions
from app.extensions import db, login_manager
from app.models import Agent

SESSION_KEY = "agent_session"  # the Flask cookie names the server-side session by this key

CSP = (
    "default-src 'self'; img-src 'self' data: cid:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


@login_manager.user_loader
def load_agent(agent_id: str) -> Agent | None:
    """The agent of this browser, while its server-side session is live (see sessions)."""
    agent = db.session.get(Agent, int(agent_id))
    if agent is None or not agent.active:
        return None
    record = sessions.find(session.get(SESSION_KEY), agent.id)
    if record is None:
        return None
    pending = db.session.new or db.session.dirty or db.session.deleted
    if sessions.needs_touch(record) and not pending:
        sessions.touch(record)
        db.session.commit()
    return agent


def register_security(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        """A locked or unreachable database is temporary: say so, so callers retry
        (Twilio and our own clients do), instead of a bare 500."""
        db.session.rollback()
        return (
            "The service is busy for a moment. Please try again.",
            503,
            {"Retry-After": "5", "Content-Type": "text/plain; charset=utf-8"},
        )

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
