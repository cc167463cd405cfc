"""Manager pages: the period report (charts, tables, CSV) and satisfaction results."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Response, render_template, request

from app.agent import bp
from app.auth.decorators import admin_required
from app.domain import reports, surveys
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


def _report_period() -> reports.Period:
    def parse(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    return reports.period(parse("from"), parse("to"), utcnow().date())


@bp.get("/admin/reports")
@admin_required
def report_page():
    p = _report_period()
    report = reports.build(p)
    return render_template(
        "agent/reports.html",
        report=report,
        chart=reports.bar_chart(report),
        sla_chart=reports.attainment_chart(report),
        max_days=reports.MAX_DAYS,
    )


@bp.get("/admin/reports.csv")
@admin_required
def report_csv():
    p = _report_period()
    body = reports.to_csv(reports.build(p))
    filename = f"helpdesk-report-{p.start.isoformat()}-{p.end.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
