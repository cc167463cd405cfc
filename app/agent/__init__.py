"""The agent side: queue and tickets. Everything here needs a logged-in agent."""

from flask import Blueprint
from flask_login import login_required

bp = Blueprint("agent", __name__, url_prefix="/agent")


@bp.before_request
@login_required
def require_login() -> None:
    """Every agent page needs a login; anonymous visitors get the login page."""


from app.agent import (  # noqa: E402,F401
    admin,
    assignment,
    customers,
    integrations,
    mailboxes,
    phone_tickets,
    plain_language,
    reports,
    routes,
    sla_admin,
    tags,
)
