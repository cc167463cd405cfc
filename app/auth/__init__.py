"""Agent login and logout."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import passkeys, routes, two_factor  # noqa: E402,F401
