"""Login answers the same for an unknown email and a wrong password, and slows down
guessing with a per-account and per-address limit."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from app.auth import bp
from app.auth.forms import LoginForm, LogoutForm
from app.domain import attempts, audit
from app.domain.audit import SYSTEM, Actor
from app.extensions import db
from app.models import Agent
from app.models.agent import verify_dummy


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
            audit.record(Actor.agent(agent.id), "agent.login")
            db.session.commit()
            session.clear()
            login_user(agent)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
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
        audit.record(Actor.agent(current_user.id), "agent.logout")
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for("auth.login"))
