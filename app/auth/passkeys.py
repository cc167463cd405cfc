"""Security keys and passkeys (WebAuthn): adding one on the account page, and using one
instead of the app code at sign-in. The browser API needs JavaScript (static/passkeys.js);
without it the authenticator-app code works as before."""

from __future__ import annotations

import time

from flask import abort, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.auth import bp
from app.auth.signin import PENDING_KEY, PENDING_SECONDS, signed_in
from app.domain import attempts, audit, passkeys, two_factor
from app.domain.audit import SYSTEM
from app.extensions import db
from app.models import Agent

CHALLENGE_KEY = "webauthn_challenge"
MAX_TRIES, TRY_WINDOW = 5, 900


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


@bp.post("/account/passkeys/options")
@login_required
def passkey_register_options():
    agent = db.session.get(Agent, current_user.id)
    if not two_factor.enabled(agent):
        abort(409)  # the authenticator app comes first: it and its recovery codes are the fallback
    options, challenge = passkeys.registration_options(agent)
    session[CHALLENGE_KEY] = {"purpose": "register", "challenge": challenge}
    return options, 200, {"Content-Type": "application/json"}


@bp.post("/account/passkeys")
@login_required
def passkey_register():
    agent = db.session.get(Agent, current_user.id)
    pending = session.pop(CHALLENGE_KEY, None)
    body = _json_body()
    if not pending or pending.get("purpose") != "register" or not two_factor.enabled(agent):
        abort(400)
    key = passkeys.register(agent, body.get("credential"), pending["challenge"], body.get("name"))
    if key is None:
        db.session.rollback()
        return jsonify(ok=False), 400
    db.session.commit()
    flash(_("Security key added."), "info")
    return jsonify(ok=True)


@bp.post("/account/passkeys/<int:key_id>/delete")
@login_required
def passkey_delete(key_id: int):
    if FlaskForm().validate_on_submit():
        passkeys.remove(db.session.get(Agent, current_user.id), key_id)
        db.session.commit()
        flash(_("Security key removed."), "info")
    return redirect(url_for("auth.two_factor_setup"))


def _pending_agent() -> tuple[Agent, dict]:
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        abort(401)
    agent = db.session.get(Agent, pending["agent"])
    if agent is None or not agent.active:
        abort(401)
    return agent, pending


@bp.post("/login/passkey/options")
def passkey_login_options():
    agent, _pending = _pending_agent()
    options, challenge = passkeys.authentication_options(agent)
    session[CHALLENGE_KEY] = {"purpose": "login", "challenge": challenge}
    return options, 200, {"Content-Type": "application/json"}


@bp.post("/login/passkey")
def passkey_login():
    agent, pending = _pending_agent()
    challenge = session.pop(CHALLENGE_KEY, None)
    body = _json_body()
    if not challenge or challenge.get("purpose") != "login":
        abort(400)
    if not attempts.claim(f"two-factor:{agent.id}", MAX_TRIES, TRY_WINDOW):
        db.session.commit()
        return jsonify(ok=False), 429
    db.session.commit()
    if not passkeys.authenticate(agent, body.get("credential"), challenge["challenge"]):
        audit.record(SYSTEM, "agent.two_factor_failed")
        db.session.commit()
        return jsonify(ok=False), 401
    attempts.reset(f"two-factor:{agent.id}")
    response = signed_in(agent, pending["next"])
    return jsonify(ok=True, next=response.location)
