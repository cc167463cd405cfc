"""Assignment views: assign/unassign with a note, availability, automatic assignment admin."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.agent import bp
from app.agent.routes import _act, _expected_version, _ticket_or_404
from app.auth.decorators import admin_required
from app.domain import assignment
from app.domain.audit import Actor
from app.extensions import db
from app.models import Agent
from app.workflow.forms import AssignForm, AutoAssignForm, AvailabilityForm
from app.workflow.panels import agent_choices


@bp.post("/tickets/<int:ticket_id>/assign")
def assign(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = AssignForm()
    form.assignee.choices = agent_choices()
    raw = (form.assignee.data or "").strip()
    assignee = db.session.get(Agent, int(raw)) if raw.isdigit() else None
    if raw and assignee is None:
        flash(_("That agent does not exist."), "error")
        return redirect(url_for("agent.ticket", ticket_id=ticket.id))
    done = (
        _("%(name)s now has this ticket.", name=assignee.name)
        if assignee is not None
        else _("Nobody has this ticket now.")
    )
    return _act(
        ticket,
        form,
        lambda: assignment.assign(
            ticket,
            assignee,
            Actor.agent(current_user.id),
            note=form.note.data or "",
            expected_version=_expected_version(form),
        ),
        done,
    )


@bp.post("/availability")
def availability():
    form = AvailabilityForm()
    if form.validate_on_submit():
        assignment.set_available(
            current_user, form.available.data == "1", Actor.agent(current_user.id)
        )
        db.session.commit()
        flash(
            _("You will get new tickets automatically.")
            if current_user.available
            else _("You will not get new tickets automatically."),
            "info",
        )
    return redirect(request.referrer or url_for("agent.queue"))


@bp.route("/admin/assignment", methods=["GET", "POST"])
@admin_required
def admin_assignment():
    form = AutoAssignForm(mode=assignment.mode())
    if form.validate_on_submit():
        assignment.set_mode(form.mode.data, Actor.agent(current_user.id))
        db.session.commit()
        flash(_("Saved."), "info")
        return redirect(url_for("agent.admin_assignment"))
    agents = db.session.scalars(
        select(Agent).where(Agent.active.is_(True)).order_by(Agent.name)
    ).all()
    return render_template(
        "agent/admin_assignment.html",
        form=form,
        agents=agents,
        load=assignment.open_load(),
    )
