"""Customer-facing pages: the "please call me back" form. Large type, no JavaScript needed."""

from flask import Blueprint

bp = Blueprint("customer", __name__)

from app.customer import routes  # noqa: E402,F401
