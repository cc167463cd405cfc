"""A ticket opened by the agent for a caller on the line: thin view over domain.phone_tickets."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.agent import bp
from app.domain import phone_tickets
from app.domain.contacts import InvalidContact
from app.extensions import db
from app.workflow.forms import CallerForm


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
