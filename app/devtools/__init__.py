"""Development-only tools (registered only when HELPDESK_ENV=development): the phone page."""

from flask import Blueprint

bp = Blueprint("devtools", __name__)

from app.devtools import phone  # noqa: E402,F401
