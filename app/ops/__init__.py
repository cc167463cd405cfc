"""Operations: health and readiness probes, Prometheus metrics, the admin jobs page."""

from flask import Blueprint

bp = Blueprint("ops", __name__)

from app.ops import routes  # noqa: E402,F401
