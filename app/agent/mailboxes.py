"""Admin page: the mailboxes we read over IMAP, their state, and adding or removing one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.agent import bp
from app.auth.decorators import admin_required
from app.domain import audit, mailboxes
from app.domain.audit import Actor
from app.extensions import db
from app.models import MailboxAccount


class MailboxForm(FlaskForm):
    name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=120)])
    username = StringField(
        _l("Mailbox address (user name)"), validators=[DataRequired(), Length(max=255)]
    )
    host = StringField(_l("IMAP server"), validators=[DataRequired(), Length(max=255)])
    port = IntegerField(_l("IMAP port"), default=993, validators=[NumberRange(1, 65535)])
    security = SelectField(
        _l("Connection security"),
        choices=[
            ("tls", _l("TLS (port 993)")),
            ("starttls", _l("STARTTLS (port 143)")),
            ("plain", _l("None (only for a server on this machine)")),
        ],
    )
    auth = SelectField(
        _l("Sign-in"),
        choices=[
            ("password", _l("Password or app password")),
            ("microsoft", _l("Microsoft 365 (app registration)")),
            ("google", _l("Google Workspace (service account)")),
        ],
    )
    secret = PasswordField(_l("Password or client secret"), validators=[Optional()])
    google_key = TextAreaField(_l("Google service-account key (JSON)"), validators=[Optional()])
    tenant = StringField(_l("Microsoft tenant (directory) ID"), validators=[Length(max=120)])
    client_id = StringField(_l("Microsoft application (client) ID"), validators=[Length(max=255)])
    processed_folder = StringField(
        _l("Move imported mail to this folder (empty: only flag it)"), default="Processed"
    )
    smtp_host = StringField(
        _l("Send replies through this server (empty: the usual relay)"),
        validators=[Length(max=255)],
    )
    smtp_port = IntegerField(_l("Sending port"), default=587, validators=[Optional()])
    smtp_security = SelectField(
        _l("Sending security"),
        choices=[("starttls", "STARTTLS (587)"), ("tls", "TLS (465)"), ("plain", _l("None"))],
    )
    sent_folder = StringField(_l("Keep a copy of replies in this folder"), default="Sent")


class DeleteForm(FlaskForm):
    """CSRF-protected button; the account id is in the URL."""


@bp.route("/admin/mailboxes", methods=["GET", "POST"])
@admin_required
def admin_mailboxes():
    form = MailboxForm()
    if form.validate_on_submit():
        secret = form.google_key.data if form.auth.data == "google" else form.secret.data
        account = MailboxAccount(
            name=form.name.data.strip(),
            host=form.host.data.strip(),
            port=form.port.data or 993,
            security=form.security.data,
            username=form.username.data.strip(),
            auth=form.auth.data,
            secret=mailboxes.encrypt_secret(secret or ""),
            tenant=(form.tenant.data or "").strip(),
            client_id=(form.client_id.data or "").strip(),
            folder="INBOX",
            processed_folder=(form.processed_folder.data or "").strip(),
            smtp_host=(form.smtp_host.data or "").strip(),
            smtp_port=form.smtp_port.data or 587,
            smtp_security=form.smtp_security.data,
            sent_folder=(form.sent_folder.data or "").strip(),
            enabled=True,
        )
        try:
            mailboxes.from_account(account)  # the same checks as IMAP_MAILBOXES
            exists = db.session.scalar(
                select(MailboxAccount.id).where(MailboxAccount.name == account.name)
            )
            if exists or account.name in {m.name for m in mailboxes.from_config()}:
                raise mailboxes.MailboxConfigError(_("A mailbox with this name already exists."))
        except mailboxes.MailboxConfigError as error:
            flash(str(error), "error")
        else:
            db.session.add(account)
            audit.record(Actor.agent(current_user.id), "mailbox.added", name=account.name)
            db.session.commit()
            flash(_("Mailbox added. The mail reader picks it up within a minute."), "info")
            return redirect(url_for("agent.admin_mailboxes"))
    try:
        configured = mailboxes.from_config()
        config_error = None
    except mailboxes.MailboxConfigError as error:
        configured, config_error = [], str(error)
    accounts = db.session.scalars(select(MailboxAccount).order_by(MailboxAccount.name)).all()
    return render_template(
        "agent/admin_mailboxes.html",
        form=form,
        delete_form=DeleteForm(),
        configured=configured,
        accounts=accounts,
        states=mailboxes.states(),
        config_error=config_error,
    )


@bp.post("/admin/mailboxes/<int:account_id>/delete")
@admin_required
def admin_mailbox_delete(account_id: int):
    account = db.get_or_404(MailboxAccount, account_id)
    if DeleteForm().validate_on_submit():
        db.session.delete(account)
        audit.record(Actor.agent(current_user.id), "mailbox.removed", name=account.name)
        db.session.commit()
        flash(_("Mailbox removed. Mail already imported stays."), "info")
    return redirect(url_for("agent.admin_mailboxes"))
