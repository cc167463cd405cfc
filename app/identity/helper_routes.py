"""Agent actions for trusted helpers. Thin views over app.domain.trusted_helpers."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.domain import trusted_helpers
from app.domain.contacts import InvalidContact
from app.domain.errors import DomainError
from app.extensions import db
from app.identity import bp
from app.identity.forms import HelperForm
from app.models import Ticket, TrustedHelper


def _back(ticket: Ticket):
    return redirect(url_for("agent.ticket", ticket_id=ticket.id) + "#helpers-heading")


@bp.post("/agent/identity/tickets/<int:ticket_id>/helpers")
@login_required
def add_helper(ticket_id: int):
    ticket = db.get_or_404(Ticket, ticket_id)
    form = HelperForm()
    if not form.validate_on_submit():
        flash(_("Please fill in the helper's name and their own phone or email."), "error")
        return _back(ticket)
    try:
        trusted_helpers.add_helper(
            ticket,
            current_user,
            name=form.name.data,
            phone=form.phone.data or None,
            email=form.email.data or None,
            may_see=form.may_see.data or [],
            this_ticket_only=form.scope.data == "ticket",
            days=form.days.data,
        )
    except (DomainError, InvalidContact) as error:
        db.session.commit()  # keep the audit of a refusal
        flash(str(error), "error")
        return _back(ticket)
    db.session.commit()
    flash(_("Helper added. Send them a code before you talk about anything private."), "info")
    return _back(ticket)


def _helper(ticket: Ticket, helper_id: int) -> TrustedHelper:
    helper = db.get_or_404(TrustedHelper, helper_id)
    if helper.customer_id != ticket.customer_id or not FlaskForm().validate_on_submit():
        abort(400)
    return helper


@bp.post("/agent/identity/tickets/<int:ticket_id>/helpers/<int:helper_id>/code")
@login_required
def helper_code(ticket_id: int, helper_id: int):
    ticket = db.get_or_404(Ticket, ticket_id)
    try:
        trusted_helpers.start_helper_check(ticket, current_user, _helper(ticket, helper_id))
    except DomainError as error:
        flash(str(error), "error")
        return _back(ticket)
    db.session.commit()
    flash(_("A code is on its way to the helper. Ask them to read it to you."), "info")
    return _back(ticket)


@bp.post("/agent/identity/tickets/<int:ticket_id>/helpers/<int:helper_id>/revoke")
@login_required
def revoke_helper(ticket_id: int, helper_id: int):
    ticket = db.get_or_404(Ticket, ticket_id)
    trusted_helpers.revoke_helper(_helper(ticket, helper_id), ticket, current_user)
    db.session.commit()
    flash(_("The helper can no longer act for the customer."), "info")
    return _back(ticket)
