"""Admin pages: agents, canned replies, addresses/numbers and business hours."""

from __future__ import annotations

import phonenumbers
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.agent import bp
from app.agent.forms import AgentUpdateForm, CannedReplyForm, InviteAgentForm, SettingsForm
from app.auth.decorators import admin_required
from app.domain import audit, community, readability, sessions, settings, sla, two_factor
from app.domain.agents import AgentError, invite_agent, update_agent
from app.domain.audit import Actor
from app.domain.contacts import InvalidContact, normalize_phone
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Agent, CannedReply


@bp.route("/admin/agents", methods=["GET", "POST"])
@admin_required
def admin_agents():
    form = InviteAgentForm()
    temporary = None
    if form.validate_on_submit():
        try:
            agent, temporary = invite_agent(
                form.email.data,
                name=form.name.data,
                role=form.role.data,
                phone=form.phone.data or None,
                admin=current_user,
            )
            db.session.commit()
            flash(
                _(
                    "Account ready. Give %(name)s this one-time password by phone: %(pw)s",
                    name=agent.name,
                    pw=temporary,
                ),
                "info",
            )
            return redirect(url_for("agent.admin_agents"))
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
    agents = db.session.scalars(select(Agent).order_by(Agent.name)).all()
    return render_template(
        "agent/admin_agents.html", form=form, agents=agents, update_form=AgentUpdateForm()
    )


@bp.post("/admin/agents/<int:agent_id>")
@admin_required
def admin_agent_update(agent_id: int):
    agent = db.get_or_404(Agent, agent_id)
    form = AgentUpdateForm()
    if form.validate_on_submit():
        try:
            update_agent(agent, role=form.role.data, active=form.active.data, admin=current_user)
        except AgentError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Saved."), "info")
    return redirect(url_for("agent.admin_agents"))


@bp.post("/admin/agents/<int:agent_id>/logout-everywhere")
@admin_required
def admin_agent_logout_everywhere(agent_id: int):
    """A lost laptop or phone: end every session of this agent at once."""
    agent = db.get_or_404(Agent, agent_id)
    if AgentUpdateForm().csrf_token.validate(AgentUpdateForm()):
        sessions.revoke_all(agent.id, "admin")
        audit.record(Actor.agent(current_user.id), "agent.logged_out_everywhere", agent_id=agent.id)
        db.session.commit()
        flash(_("%(name)s is logged out everywhere.", name=agent.name), "info")
    return redirect(url_for("agent.admin_agents"))


@bp.post("/admin/agents/<int:agent_id>/reset-two-factor")
@admin_required
def admin_agent_reset_two_factor(agent_id: int):
    """A lost phone: the agent logs in with the password and sets up a new app."""
    agent = db.get_or_404(Agent, agent_id)
    if AgentUpdateForm().csrf_token.validate(AgentUpdateForm()):
        two_factor.disable(agent, current_user)
        db.session.commit()
        flash(_("Two-factor sign-in of %(name)s is reset.", name=agent.name), "info")
    return redirect(url_for("agent.admin_agents"))


@bp.route("/admin/canned", methods=["GET", "POST"])
@admin_required
def admin_canned():
    form = CannedReplyForm()
    if form.validate_on_submit():
        db.session.add(
            CannedReply(title=form.title.data, body=form.body.data, language=form.language.data)
        )
        db.session.commit()
        flash(_("Saved."), "info")
        return redirect(url_for("agent.admin_canned"))
    replies = db.session.scalars(select(CannedReply).order_by(CannedReply.title)).all()
    return render_template(
        "agent/admin_canned.html",
        form=form,
        replies=replies,
        delete_form=AgentUpdateForm(),
        hints={reply.id: readability.check(reply.body, reply.language) for reply in replies},
    )


@bp.post("/admin/canned/<int:reply_id>/delete")
@admin_required
def admin_canned_delete(reply_id: int):
    form = CannedReplyForm()
    if form.csrf_token.validate(form):
        db.session.delete(db.get_or_404(CannedReply, reply_id))
        db.session.commit()
    return redirect(url_for("agent.admin_canned"))


@bp.route("/admin/settings", methods=["GET", "POST"])
@admin_required
def admin_settings():
    hours = settings.get("business_hours", fresh=True)
    form = SettingsForm(
        recipient_addresses="\n".join(settings.get("recipient_addresses", fresh=True)),
        phone_numbers="\n".join(settings.get("phone_numbers", fresh=True)),
        opening_hour=hours["open"],
        closing_hour=hours["close"],
        open_days=[str(d) for d in hours.get("days", [0, 1, 2, 3, 4])],
        closed_days="\n".join(settings.get("closed_days", fresh=True) or []),
        community_auto_publish=bool(settings.get("community_auto_publish", fresh=True)),
        sms_countries=", ".join(settings.get("sms_allowed_countries", fresh=True) or []),
        require_two_factor=bool(settings.get("require_two_factor", fresh=True)),
        community_review_after_days=settings.get("community_review_after_days", fresh=True),
        community_not_helpful_limit=settings.get("community_not_helpful_limit", fresh=True),
        community_vocabulary_customers=settings.get("community_vocabulary_customers", fresh=True),
        community_glossary="\n".join(settings.get("community_glossary", fresh=True) or []),
    )
    if form.validate_on_submit():
        addresses = [
            a.strip().lower() for a in form.recipient_addresses.data.splitlines() if "@" in a
        ]
        try:
            numbers = [
                normalize_phone(n) for n in form.phone_numbers.data.splitlines() if n.strip()
            ]
        except InvalidContact:
            flash(_("One of the phone numbers is not valid."), "error")
            return render_template("agent/admin_settings.html", form=form), 400
        opening, closing = form.opening_hour.data or 8, form.closing_hour.data or 17
        if not 0 <= opening < closing <= 24:
            flash(_("Opening hours must be between 0 and 24, opening before closing."), "error")
            return render_template("agent/admin_settings.html", form=form), 400
        countries = [c.strip().upper() for c in (form.sms_countries.data or "").split(",")]
        countries = [c for c in countries if c]
        if any(c not in phonenumbers.SUPPORTED_REGIONS for c in countries):
            flash(_("Use two-letter country codes such as SE or NO."), "error")
            return render_template("agent/admin_settings.html", form=form), 400
        settings.put("recipient_addresses", addresses)
        settings.put("phone_numbers", numbers)
        days = sorted(int(d) for d in form.open_days.data or [])
        settings.put("business_hours", {"open": opening, "close": closing, "days": days})
        closed = sorted({line.strip() for line in form.closed_days.data.split() if line.strip()})
        settings.put("closed_days", closed)
        sla.invalidate_due()  # opening hours move every running clock's due time
        settings.put("community_auto_publish", bool(form.community_auto_publish.data))
        settings.put("sms_allowed_countries", countries)
        settings.put("require_two_factor", bool(form.require_two_factor.data))
        for key in (
            "community_review_after_days",
            "community_not_helpful_limit",
            "community_vocabulary_customers",
        ):
            value = getattr(form, key).data
            settings.put(key, max(0, value) if value is not None else settings.DEFAULTS[key])
        glossary = [w.strip() for w in form.community_glossary.data.splitlines() if w.strip()]
        settings.put("community_glossary", glossary[:2000])
        community.clear_vocabulary_cache()
        audit.record(Actor.agent(current_user.id), "settings.updated")
        db.session.commit()
        flash(_("Saved."), "info")
        return redirect(url_for("agent.admin_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("agent/admin_settings.html", form=form), status
