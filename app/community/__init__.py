"""Public community pages (no login) and the agents' review of drafts."""

from flask import Blueprint

bp = Blueprint("community", __name__)

from app.community import public, review  # noqa: E402,F401
