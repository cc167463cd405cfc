"""Two-factor sign-in for agents: a TOTP app (RFC 6238, `pyotp`) and one-time recovery codes.

A password alone opens customers' private data, so an agent can add a second factor and an
admin can require it for everyone. A code works once (the last 30-second step used is
kept and claimed with a conditional UPDATE); recovery codes are stored only as keyed
hashes and each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets

import pyotp
import qrcode
import qrcode.image.svg
from flask import current_app
from sqlalchemy import delete, or_, update

from app.domain import audit, sessions, settings
from app.domain.audit import Actor
from app.extensions import db
from app.models import Agent, PasskeyCredential, RecoveryCode
from app.models.base import utcnow

RECOVERY_CODES = 10


def required() -> bool:
    return bool(settings.get("require_two_factor"))


def enabled(agent: Agent) -> bool:
    return agent.totp_enabled_at is not None and bool(agent.totp_secret)


def begin_enrolment(agent: Agent) -> str:
    """A new secret, not yet in force: it counts only once a code from it is confirmed."""
    agent.totp_secret = pyotp.random_base32()
    agent.totp_enabled_at = None
    agent.totp_last_step = None
    return agent.totp_secret


def provisioning_uri(agent: Agent) -> str:
    return pyotp.TOTP(agent.totp_secret).provisioning_uri(
        name=agent.email, issuer_name=current_app.config["SUPPORT_NAME"]
    )


def qr_svg(text: str) -> str:
    """The QR code as inline SVG markup (no JavaScript, no image request)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)


def _recovery_hash(code: str) -> str:
    key = hashlib.sha256(b"recovery:" + current_app.config["SECRET_KEY"].encode()).digest()
    normalized = re.sub(r"[\s-]", "", code).lower()
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


def _claim_step(agent: Agent, code: str) -> bool:
    """True when `code` is valid now and its time step was not used before (atomically)."""
    code = re.sub(r"\s", "", code or "")
    if not agent.totp_secret or not re.fullmatch(r"\d{6}", code):
        return False
    totp = pyotp.TOTP(agent.totp_secret)
    now = utcnow()
    for drift in (0, -1, 1):  # one step either side for clock skew
        step = totp.timecode(now) + drift
        if hmac.compare_digest(totp.generate_otp(step), code):
            result = db.session.execute(
                update(Agent)
                .where(
                    Agent.id == agent.id,
                    or_(Agent.totp_last_step.is_(None), Agent.totp_last_step < step),
                )
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1
    return False


def confirm_enrolment(agent: Agent, code: str, *, keep: str | None = None) -> list[str] | None:
    """Turn the second factor on if `code` matches the new secret; returns the recovery codes
    to show once (None when the code is wrong). Other browsers are logged out."""
    if agent.totp_secret is None or not _claim_step(agent, code):
        return None
    agent.totp_enabled_at = utcnow()
    codes = new_recovery_codes(agent)
    sessions.revoke_all(agent.id, "two-factor on", keep=keep)
    audit.record(Actor.agent(agent.id), "agent.two_factor_enabled")
    return codes


def new_recovery_codes(agent: Agent) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.agent_id == agent.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(6)
        codes.append(f"{raw[:6]}-{raw[6:]}")
        db.session.add(RecoveryCode(agent_id=agent.id, code_hash=_recovery_hash(raw)))
    db.session.flush()
    return codes


def verify(agent: Agent, code: str) -> str | None:
    """Check a sign-in code: "app" for an authenticator code, "recovery" for a recovery code
    (now used up), None when wrong or already used."""
    if not enabled(agent):
        return None
    if _claim_step(agent, code):
        return "app"
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.agent_id == agent.id,
            RecoveryCode.code_hash == _recovery_hash(code or ""),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        audit.record(Actor.agent(agent.id), "agent.recovery_code_used")
        return "recovery"
    return None


def disable(agent: Agent, by: Agent) -> None:
    """Turn the second factor off (the agent, or an admin for a lost phone); security keys
    go with it, since the app and its recovery codes are their fallback."""
    db.session.execute(delete(PasskeyCredential).where(PasskeyCredential.agent_id == agent.id))
    agent.totp_secret = None
    agent.totp_enabled_at = None
    agent.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.agent_id == agent.id))
    sessions.revoke_all(agent.id, "two-factor off")
    audit.record(Actor.agent(by.id), "agent.two_factor_disabled", agent_id=agent.id)
