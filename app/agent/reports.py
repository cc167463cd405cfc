"""Manager pages: satisfaction results per agent, channel and week."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import render_template, request

from app.agent import bp
from app.auth.decorators import admin_required
from app.domain import surveys
from app.models.base import utcnow


def _range() -> tuple[date, date, str | None]:
    """The [from, to] days asked for; bad or huge ranges are corrected with a message."""
    today = utcnow().date()
    error = None
    try:
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
        start = date.fromisoformat(
            request.args.get("from") or (end - timedelta(days=55)).isoformat()
        )
    except ValueError:
        end, start = today, today - timedelta(days=55)
        error = "dates"
    if start > end:
        start, end, error = end, start, "order"
    if (end - start).days + 1 > surveys.MAX_REPORT_DAYS:
        start, error = end - timedelta(days=surveys.MAX_REPORT_DAYS - 1), "long"
    return start, end, error


@bp.get("/admin/satisfaction")
@admin_required
def satisfaction():
    start, end, error = _range()
    results = surveys.results(
        datetime.combine(start, datetime.min.time()),
        datetime.combine(end + timedelta(days=1), datetime.min.time()),
    )
    return render_template(
        "agent/satisfaction.html", results=results, start=start, end=end, error=error
    )
