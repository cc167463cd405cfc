"""Tags on tickets and the customer's care note: thin views over app.domain.tags/care_notes."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.agent import bp
from app.agent.routes import _ticket_or_404
from app.domain import care_notes, tags
from app.domain.audit import Actor
from app.domain.tickets import TicketError
from app.extensions import db
from app.models import Ticket
from app.workflow.forms import CareNoteForm, TagForm


def _back(ticket: Ticket, anchor: str = "#tags-heading"):
    return redirect(url_for("agent.ticket", ticket_id=ticket.id) + anchor)


def _run(ticket: Ticket, form: FlaskForm, action, done: str, anchor: str = "#tags-heading"):
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _back(ticket, anchor)
    try:
        action()
    except TicketError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(ticket, anchor)
    db.session.commit()
    flash(done, "info")
    return _back(ticket, anchor)


@bp.post("/tickets/<int:ticket_id>/tags")
def add_tags(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = TagForm()
    return _run(
        ticket,
        form,
        lambda: tags.add(ticket, form.tags.data, Actor.agent(current_user.id)),
        _("Tags saved."),
    )


@bp.post("/tickets/<int:ticket_id>/tags/<tag>/remove")
def remove_tag(ticket_id: int, tag: str):
    ticket = _ticket_or_404(ticket_id)
    return _run(
        ticket,
        FlaskForm(),
        lambda: tags.remove(ticket, tag, Actor.agent(current_user.id)),
        _("Tag removed."),
    )


@bp.post("/tickets/<int:ticket_id>/care-note")
def care_note(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = CareNoteForm()
    return _run(
        ticket,
        form,
        lambda: care_notes.set_care_note(
            ticket.customer, form.note.data, Actor.agent(current_user.id), ticket_id=ticket.id
        ),
        _("Care note saved."),
        "#care-heading",
    )
