"""Login answers the same for an unknown email and a wrong password, and slows down
guessing with a per-account and per-address limit."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app.auth import bp
from app.auth.forms import LoginForm, LogoutForm, PasswordChangeForm
from app.auth.signin import signed_in, start_pending
from app.domain import attempts, audit, sessions, two_factor
from app.domain.agents import MIN_PASSWORD_LENGTH
from app.domain.audit import SYSTEM, Actor
from app.extensions import db
from app.models import Agent
from app.models.agent import verify_dummy
from app.security import SESSION_KEY


def _safe_next(target: str | None) -> str:
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("agent.queue")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("agent.queue"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        window = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
        keys = (f"login:{email}", f"login-ip:{request.remote_addr}")
        # Claim a try before checking (atomically: concurrent guesses cannot all slip
        # through), and commit the claim before the slow password hash.
        if not attempts.claim(keys[1], limit * 4, window) or not attempts.claim(
            keys[0], limit, window
        ):
            db.session.commit()
            flash(_("Too many failed attempts. Please wait a few minutes and try again."), "error")
            return render_template("auth/login.html", form=form), 429
        db.session.commit()
        agent = db.session.scalar(select(Agent).where(func.lower(Agent.email) == email))
        if agent is None:
            verify_dummy(form.password.data)
        if agent is not None and agent.active and agent.check_password(form.password.data):
            attempts.reset(keys[0])
            attempts.refund(keys[1])
            target = _safe_next(request.args.get("next"))
            if two_factor.enabled(agent):
                audit.record(Actor.agent(agent.id), "agent.password_ok")
                db.session.commit()
                return start_pending(agent, target)
            return signed_in(agent, target)
        audit.record(SYSTEM, "agent.login_failed")
        db.session.commit()
        flash(_("That email and password do not match an active account."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        sessions.revoke(session.get(SESSION_KEY), "logout")
        audit.record(Actor.agent(current_user.id), "agent.logout")
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The agent's own security page: a new password, and logging out other browsers."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        agent = db.session.get(Agent, current_user.id)
        if not agent.check_password(form.current.data):
            flash(_("Your current password is not right."), "error")
        elif form.new.data != form.repeat.data:
            flash(_("The two new passwords are not the same."), "error")
        elif len(form.new.data) < MIN_PASSWORD_LENGTH:
            flash(_("Passwords need at least %(n)s characters.", n=MIN_PASSWORD_LENGTH), "error")
        else:
            agent.set_password(form.new.data)
            sessions.revoke_all(agent.id, "password", keep=session.get(SESSION_KEY))
            audit.record(Actor.agent(agent.id), "agent.password_changed")
            db.session.commit()
            flash(_("Password changed. Your other browsers are logged out."), "info")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        form=form,
        others_form=FlaskForm(),
        sessions=sessions.active_count(current_user.id),
    )


@bp.post("/account/logout-others")
@login_required
def logout_others():
    if FlaskForm().validate_on_submit():
        sessions.revoke_all(current_user.id, "logout others", keep=session.get(SESSION_KEY))
        audit.record(Actor.agent(current_user.id), "agent.logged_out_others")
        db.session.commit()
        flash(_("Your other browsers are logged out."), "info")
    return redirect(url_for("auth.account"))
