"""Admin page for SLA targets (business minutes per priority, first response per channel,
callback), and the "N overdue" count every agent page header shows."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.agent import bp
from app.auth.decorators import admin_required
from app.domain import sla
from app.domain.audit import Actor
from app.extensions import db


def _overdue_count() -> int:
    """Tickets with an overdue clock, counted once per request (two indexed counts)."""
    if "overdue_count" not in g:
        g.overdue_count = sla.overdue_count()
    return g.overdue_count


@bp.app_context_processor
def overdue_globals() -> dict:
    return {"overdue_count": _overdue_count}


def _values_from(table: dict) -> dict[str, str]:
    values = {
        f"{p}_{m}": str(table["priority"][p][m]) for p in sla.PRIORITY_KEYS for m in sla.MEASURES
    }
    for channel in sla.CHANNEL_KEYS:
        minutes = table["first_response_by_channel"].get(channel)
        values[f"channel_{channel}"] = "" if minutes is None else str(minutes)
    values["callback"] = str(table["callback"])
    return values


@bp.route("/admin/sla", methods=["GET", "POST"])
@admin_required
def admin_sla():
    form = FlaskForm()
    values, errors = _values_from(sla.targets()), {}
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("agent/admin_sla.html", form=form, values=values, errors={}), 400
        values = {k: request.form.get(k, "") for k in values}
        try:
            parsed = sla.parse_targets(values)
        except sla.SlaError as error:
            errors = {error.field: str(error)}
            return (
                render_template("agent/admin_sla.html", form=form, values=values, errors=errors),
                400,
            )
        sla.save_targets(parsed, Actor.agent(current_user.id))
        db.session.commit()
        flash(_("Saved."), "info")
        return redirect(url_for("agent.admin_sla"))
    return render_template("agent/admin_sla.html", form=form, values=values, errors=errors)
