"""A ticket opened by the agent for a caller on the line: thin view over domain.phone_tickets."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.agent import bp
from app.domain import phone_tickets
from app.domain.contacts import InvalidContact
from app.extensions import db


class CallerForm(FlaskForm):
    phone = StringField(_l("Caller's phone number"), validators=[Optional(), Length(max=30)])
    identified_by = RadioField(
        _l("How was the caller identified?"),
        choices=list(phone_tickets.IDENTIFIED_BY.items()),
        default="stated",
    )
    name = StringField(_l("Name (if they told you)"), validators=[Optional(), Length(max=200)])
    subject = StringField(
        _l("What is the call about?"), validators=[DataRequired(), Length(max=300)]
    )
    notes = TextAreaField(_l("Notes from the call"), validators=[Optional(), Length(max=20000)])
    priority = SelectField(
        _l("Priority"),
        choices=[("0", _l("Low")), ("1", _l("Normal")), ("2", _l("High")), ("3", _l("Urgent"))],
        default="1",
    )


@bp.route("/tickets/new-call", methods=["GET", "POST"])
def new_call_ticket():
    form = CallerForm()
    region = current_app.config["PHONE_DEFAULT_REGION"]
    known = None
    lookup = request.args.get("phone", "")[:30]
    if request.method == "GET" and lookup:
        form.phone.data = lookup
        try:
            _phone, known = phone_tickets.find_caller(lookup, region)
        except InvalidContact:
            form.phone.errors = [_("That is not a phone number.")]
        return render_template("agent/new_call.html", form=form, known=known, looked_up=True)
    if form.validate_on_submit():
        details = phone_tickets.CallerDetails(
            phone=form.phone.data or "",
            name=form.name.data or "",
            subject=form.subject.data,
            notes=form.notes.data or "",
            identified_by=form.identified_by.data,
            priority=int(form.priority.data),
        )
        try:
            ticket = phone_tickets.open_for_caller(details, current_user, region=region)
        except phone_tickets.PhoneTicketError as error:
            db.session.rollback()
            form.phone.errors = list(form.phone.errors) + [str(error)]
            return render_template("agent/new_call.html", form=form, known=None), 400
        db.session.commit()
        flash(_("Ticket %(ref)s opened for the caller.", ref=ticket.reference), "info")
        return redirect(url_for("agent.ticket", ticket_id=ticket.id))
    status = 400 if request.method == "POST" else 200
    return render_template("agent/new_call.html", form=form, known=None), status
