"""Admin page for integrations: API tokens (shown once) and webhook endpoints."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.agent import bp
from app.auth.decorators import admin_required
from app.domain import integrations
from app.domain.audit import Actor
from app.domain.errors import DomainError
from app.extensions import db
from app.models import ApiToken, WebhookEndpoint
from app.workflow.forms import TokenForm, WebhookForm


def _page(token_form=None, webhook_form=None, shown=None, status=200):
    return (
        render_template(
            "agent/integrations.html",
            token_form=token_form or TokenForm(),
            webhook_form=webhook_form or WebhookForm(),
            scopes=integrations.SCOPES,
            events=integrations.EVENTS,
            tokens=db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all(),
            webhooks=db.session.scalars(
                select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())
            ).all(),
            shown=shown,
            action_form=FlaskForm(),
        ),
        status,
    )


@bp.get("/admin/integrations")
@admin_required
def admin_integrations():
    return _page()


@bp.post("/admin/integrations/tokens")
@admin_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(token_form=form, status=400)
    try:
        token, value = integrations.create_token(
            form.name.data, request.form.getlist("scopes"), Actor.agent(current_user.id)
        )
    except DomainError as error:
        db.session.rollback()
        form.name.errors = [str(error)]
        return _page(token_form=form, status=400)
    db.session.commit()
    shown = {"kind": "token", "name": token.name, "value": value}
    return _page(shown=shown)


@bp.post("/admin/integrations/tokens/<int:token_id>/revoke")
@admin_required
def revoke_token(token_id: int):
    if FlaskForm().validate_on_submit():
        integrations.revoke_token(db.get_or_404(ApiToken, token_id), Actor.agent(current_user.id))
        db.session.commit()
        flash(_("The token is revoked: it stops working now."), "info")
    return redirect(url_for("agent.admin_integrations"))


@bp.post("/admin/integrations/webhooks")
@admin_required
def create_webhook():
    form = WebhookForm()
    if not form.validate_on_submit():
        return _page(webhook_form=form, status=400)
    try:
        endpoint, secret = integrations.create_webhook(
            form.url.data, request.form.getlist("events"), Actor.agent(current_user.id)
        )
    except DomainError as error:
        db.session.rollback()
        form.url.errors = [str(error)]
        return _page(webhook_form=form, status=400)
    db.session.commit()
    return _page(shown={"kind": "webhook", "name": endpoint.url, "value": secret})


@bp.post("/admin/integrations/webhooks/<int:webhook_id>/disable")
@admin_required
def disable_webhook(webhook_id: int):
    if FlaskForm().validate_on_submit():
        integrations.disable_webhook(
            db.get_or_404(WebhookEndpoint, webhook_id), Actor.agent(current_user.id)
        )
        db.session.commit()
        flash(_("The webhook is switched off."), "info")
    return redirect(url_for("agent.admin_integrations"))
