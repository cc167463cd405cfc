"""Agent actions on the phone: call now (click-to-call) and record how the call went."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.domain import hours
from app.domain.callbacks import (
    OUTCOMES,
    CallbackError,
    record_outcome,
    start_call,
)
from app.domain.contacts import format_phone
from app.domain.heads_up import HeadsUpError, send_heads_up
from app.extensions import db
from app.models import Call, Ticket
from app.telephony import agent_bp as bp


class CallForm(FlaskForm):
    """Only the CSRF token: the ticket is in the URL."""


class OutcomeForm(FlaskForm):
    outcome = SelectField(
        "What happened?",
        choices=[
            ("reached", "We talked"),
            ("voicemail", "Voicemail"),
            ("no_answer", "No answer"),
            ("wrong_number", "Wrong number"),
        ],
        validators=[DataRequired()],
    )
    notes = TextAreaField("Notes", validators=[Length(max=2000)])


@bp.post("/agent/tickets/<int:ticket_id>/call")
@login_required
def call_now(ticket_id: int):
    ticket = db.get_or_404(Ticket, ticket_id)
    if not CallForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("agent.ticket", ticket_id=ticket.id))
    try:
        start_call(ticket, current_user, request.form.get("number") or None)
    except CallbackError as error:
        flash(str(error), "error")
        return redirect(url_for("agent.ticket", ticket_id=ticket.id))
    db.session.commit()
    flash(_("Calling: your phone rings first, then we dial the customer."), "info")
    return redirect(url_for("agent.ticket", ticket_id=ticket.id))


@bp.post("/agent/calls/<int:call_id>/outcome")
@login_required
def call_outcome(call_id: int):
    call = db.get_or_404(Call, call_id)
    form = OutcomeForm()
    if not form.validate_on_submit() or form.outcome.data not in OUTCOMES:
        flash(_("Choose what happened on the call."), "error")
    else:
        record_outcome(call, current_user, form.outcome.data, form.notes.data or "")
        db.session.commit()
        flash(_("Call outcome saved."), "info")
    return redirect(url_for("agent.ticket", ticket_id=call.ticket_id))


CALL_STATUS_WORDS = {
    "queued": _l("waiting to be placed"),
    "initiated": _l("ringing your phone"),
    "ringing": _l("ringing"),
    "in-progress": _l("in progress"),
    "completed": _l("finished"),
    "busy": _l("busy"),
    "no-answer": _l("no answer"),
    "failed": _l("failed"),
    "canceled": _l("cancelled"),
}


@bp.app_template_global("call_status_words")
def call_status_words(status: str) -> str:
    return str(CALL_STATUS_WORDS.get(status, status))


@bp.app_template_filter("local_time")
def local_time(at: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """Naive UTC from the database, shown on the business's clock (BUSINESS_TIMEZONE)."""
    if at is None:
        return ""
    return hours.to_local(at).strftime(pattern)


@bp.app_template_filter("phone_display")
def phone_display(number: str | None) -> str:
    return format_phone(number, current_app.config["PHONE_DEFAULT_REGION"])


@bp.post("/agent/tickets/<int:ticket_id>/heads-up")
@login_required
def heads_up(ticket_id: int):
    """Text the customer that we will call in about 10 minutes (they then answer)."""
    ticket = db.get_or_404(Ticket, ticket_id)
    if not CallForm().validate_on_submit():
        flash(_l("The form expired; please try again."), "error")
        return redirect(url_for("agent.ticket", ticket_id=ticket.id))
    try:
        send_heads_up(ticket, current_user)
    except HeadsUpError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("agent.ticket", ticket_id=ticket.id))
    db.session.commit()
    flash(_l("Heads-up sent: the customer knows we will call soon."), "info")
    return redirect(url_for("agent.ticket", ticket_id=ticket.id))
