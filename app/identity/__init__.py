"""Identity verification: the agent's panel and actions, the customer's code page, audit."""

from flask import Blueprint

bp = Blueprint("identity", __name__)

from app.identity import helper_routes, routes  # noqa: E402,F401
