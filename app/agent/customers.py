"""Merging and splitting customers: thin views over app.domain.customer_merge."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.agent import bp
from app.domain import customer_merge
from app.domain.audit import Actor
from app.domain.contacts import mask_email, mask_phone
from app.domain.queue import REFERENCE
from app.extensions import db
from app.models import Customer, CustomerMerge, Ticket
from app.workflow.forms import MergeForm, SplitForm


def _summary(customer: Customer) -> dict:
    """What an agent may see of a customer before verification: nothing private."""
    return {
        "customer": customer,
        "email": mask_email(customer.email) if customer.email else None,
        "phone": mask_phone(customer.phone) if customer.phone else None,
        "tickets": db.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.customer_id == customer.id)
        ),
        "proven_phone": customer_merge.proven_phone(customer),
    }


def _find_other(raw: str) -> Customer | None:
    raw = (raw or "").strip()
    match = REFERENCE.match(raw)
    if match:
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == match.group(1).upper()))
        return ticket.customer if ticket else None
    if raw.isdigit():
        return db.session.get(Customer, int(raw))
    return None


@bp.route("/customers/<int:customer_id>/merge", methods=["GET", "POST"])
def merge_customer(customer_id: int):
    this = db.get_or_404(Customer, customer_id)
    back = request.values.get("ticket", type=int)
    form = MergeForm()
    other = _find_other(request.values.get("other", "") or form.other_id.data or "")
    if request.values.get("other") and other is None:
        flash(_("No customer found: type a ticket reference like HD-123456."), "error")
    warnings: list = []
    status = 200
    if other is not None:
        warnings = [customer_merge.WARNINGS[w] for w in customer_merge.warnings_for(this, other)]
    if request.method == "POST" and other is not None and form.validate_on_submit():
        keep, away = (this, other) if form.keep.data == "this" else (other, this)
        try:
            record = customer_merge.merge(
                away,
                keep,
                Actor.agent(current_user.id),
                reason=form.reason.data or "",
                confirmed=bool(form.confirm.data),
            )
        except customer_merge.ConfirmationNeeded as needed:
            db.session.rollback()
            form.confirm.errors = [_("Tick the box and write why, to merge anyway.")] + [
                str(w) for w in needed.warnings
            ]
            status = 400
        except customer_merge.MergeError as error:
            db.session.rollback()
            flash(str(error), "error")
            status = 400
        else:
            db.session.commit()
            if record is None:
                flash(_("Nothing was merged; your reason is recorded."), "info")
            else:
                flash(_("The customers are merged. You can undo it below."), "info")
            target = url_for("agent.merge_customer", customer_id=keep.id, ticket=back)
            return redirect(target)
    elif request.method == "POST":
        status = 400
    if other is not None:
        form.other_id.data = str(other.id)
    return (
        render_template(
            "agent/merge.html",
            this=_summary(this),
            other=_summary(other) if other is not None else None,
            warnings=warnings,
            form=form,
            split_form=SplitForm(),
            history=customer_merge.merges_into(this),
            back=back,
            suggestions=customer_merge.suggestions(this, current_app.config["PHONE_DEFAULT_REGION"])
            if other is None
            else [],
        ),
        status,
    )


@bp.post("/merges/<int:merge_id>/split")
def split_merge(merge_id: int):
    record = db.get_or_404(CustomerMerge, merge_id)
    form = SplitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        customer_merge.split(record, Actor.agent(current_user.id), reason=form.reason.data or "")
    except customer_merge.MergeError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The merge is undone: they are two customers again."), "info")
    return redirect(url_for("agent.merge_customer", customer_id=record.target_id))
