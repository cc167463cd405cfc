"""Thin views over app.domain.identity."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.auth.decorators import admin_required
from app.domain import audit, identity, ratelimit, settings
from app.domain.audit import Actor
from app.domain.contacts import InvalidContact
from app.extensions import db
from app.identity import bp
from app.identity.forms import CodeForm, ContactForm, PrivacySettingsForm
from app.models import AuditEvent, Customer, Ticket
from app.models.base import utcnow


def _back(ticket: Ticket):
    return redirect(url_for("agent.ticket", ticket_id=ticket.id) + "#identity-heading")


@bp.post("/agent/identity/tickets/<int:ticket_id>/challenge")
@login_required
def challenge(ticket_id: int):
    ticket = db.get_or_404(Ticket, ticket_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        identity.start_challenge(ticket, current_user, request.form.get("channel", ""))
    except identity.IdentityError as error:
        db.session.commit()  # keep the audit of the refusal
        flash(str(error), "error")
        return _back(ticket)
    db.session.commit()
    flash(_("A code is on its way. Ask the customer to read it to you."), "info")
    return _back(ticket)


@bp.post("/agent/identity/tickets/<int:ticket_id>/check")
@login_required
def check(ticket_id: int):
    ticket = db.get_or_404(Ticket, ticket_id)
    form = CodeForm()
    if not form.validate_on_submit():
        flash(_("Type the 6-digit code the customer reads to you."), "error")
        return _back(ticket)
    try:
        identity.check_code(
            ticket.customer,
            form.code.data,
            Actor.agent(current_user.id),
            via="agent",
            ticket=ticket,
        )
    except identity.IdentityError as error:
        db.session.commit()  # attempts and audit count even when wrong
        flash(str(error), "error")
        return _back(ticket)
    db.session.commit()
    flash(_("Verified."), "info")
    return _back(ticket)


@bp.post("/agent/identity/tickets/<int:ticket_id>/contact")
@login_required
def update_contact(ticket_id: int):
    """Changing contact details is private: only after verification at a level that shows them."""
    ticket = db.get_or_404(Ticket, ticket_id)
    form = ContactForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        identity.change_contact(
            ticket,
            current_user,
            phone=form.phone.data,
            email=form.email.data,
            address=form.address.data,
        )
    except identity.VerificationRequired as error:
        db.session.commit()
        flash(str(error), "error")
        return _back(ticket)
    except InvalidContact:
        db.session.rollback()
        flash(_("That phone number or email address is not valid."), "error")
        return _back(ticket)
    db.session.commit()
    flash(_("Contact details saved."), "info")
    return _back(ticket)


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_link(token: str):
    """The customer's own page from the email: type the code. Large, simple, no JavaScript."""
    challenge = identity.challenge_for_link(token)
    form = CodeForm()
    state = "form"
    if challenge is not None and challenge.used_at:
        state = "already"  # the check succeeded: say so, not "this link no longer works"
    elif challenge is None or challenge.dead or challenge.expires_at <= utcnow():
        state = "expired"
    elif request.method == "POST":
        ip_key = f"verify-ip:{request.remote_addr}"
        if not ratelimit.consume(ip_key, 20, 3600):
            state = "limited"
        elif not form.validate_on_submit() or identity.clean_code(form.code.data) is None:
            state = "malformed"  # empty or not 6 digits: tell them, and keep all their tries
        else:
            customer = db.session.get(Customer, challenge.customer_id)
            try:
                identity.check_code(
                    customer,
                    form.code.data,
                    Actor.customer(customer.id),
                    via="email link",
                    challenge=challenge,
                )
                state = "done"
            except identity.IdentityError:
                state = "wrong" if not challenge.dead else "expired"
        db.session.commit()
    status = {
        "form": 200,
        "done": 200,
        "already": 200,
        "wrong": 400,
        "malformed": 400,
        "expired": 410,
        "limited": 429,
    }[state]
    return render_template("identity/verify.html", form=form, state=state), status


@bp.get("/agent/admin/audit")
@admin_required
def audit_log():
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    reference = request.args.get("ticket", "").strip().upper()
    if reference:
        query = query.join(Ticket, Ticket.id == AuditEvent.ticket_id).where(
            Ticket.reference == reference
        )
    action = request.args.get("action", "")
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    page = max(request.args.get("page", 1, type=int), 1)
    events = db.session.scalars(query.offset((page - 1) * 100).limit(100)).all()
    tickets = {
        t.id: t.reference
        for t in db.session.scalars(
            select(Ticket).where(Ticket.id.in_({e.ticket_id for e in events if e.ticket_id}))
        )
    }
    return render_template(
        "identity/audit.html",
        events=events,
        tickets=tickets,
        page=page,
        reference=reference,
        action=action,
    )


@bp.route("/agent/admin/identity", methods=["GET", "POST"])
@admin_required
def privacy_settings():
    unlocks = settings.get("identity_unlocks", fresh=True) or identity.DEFAULT_UNLOCKS
    form = PrivacySettingsForm(
        private_fields=settings.get("identity_private_fields", fresh=True),
        callback_unlocks=unlocks.get("callback", identity.DEFAULT_UNLOCKS["callback"]),
        phone_unlocks=unlocks.get("phone", []),
        mailbox_unlocks=unlocks.get("mailbox", []),
    )
    if form.validate_on_submit():
        settings.put("identity_private_fields", form.private_fields.data)
        settings.put(
            "identity_unlocks",
            {
                "callback": form.callback_unlocks.data,
                "phone": form.phone_unlocks.data,
                "mailbox": form.mailbox_unlocks.data,
            },
        )
        audit.record(Actor.agent(current_user.id), "identity.settings_changed")
        db.session.commit()
        flash(_("Saved."), "info")
        return redirect(url_for("identity.privacy_settings"))
    locked = db.session.scalars(
        select(Customer).where(Customer.id.in_(identity.locked_customer_ids()))
    ).all()
    return render_template(
        "identity/settings.html", form=form, locked=locked, fields=identity.PRIVATE_FIELDS
    )


@bp.post("/agent/admin/identity/unlock/<int:customer_id>")
@admin_required
def unlock(customer_id: int):
    if FlaskForm().validate_on_submit():
        identity.unlock(db.get_or_404(Customer, customer_id), current_user)
        db.session.commit()
        flash(_("Unlocked."), "info")
    return redirect(url_for("identity.privacy_settings"))
