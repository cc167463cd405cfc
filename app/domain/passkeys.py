"""WebAuthn security keys and passkeys: the stronger second factor (phishing-resistant: the
browser signs only for our own origin). Added on top of the authenticator app, which stays
the fallback together with the recovery codes."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.domain import audit
from app.domain.audit import Actor
from app.extensions import db
from app.models import Agent, PasskeyCredential
from app.models.base import utcnow


def relying_party() -> tuple[str, str]:
    """Our RP ID (the host name) and origin, both from PUBLIC_BASE_URL."""
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


def credentials(agent: Agent) -> list[PasskeyCredential]:
    return db.session.scalars(
        select(PasskeyCredential)
        .where(PasskeyCredential.agent_id == agent.id)
        .order_by(PasskeyCredential.id)
    ).all()


def _descriptors(agent: Agent) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
        for c in credentials(agent)
    ]


def registration_options(agent: Agent) -> tuple[str, str]:
    """Options for navigator.credentials.create (JSON) and the challenge to keep."""
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=current_app.config["SUPPORT_NAME"],
        user_name=agent.email,
        user_id=f"agent-{agent.id}".encode(),
        user_display_name=agent.name,
        exclude_credentials=_descriptors(agent),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def register(agent: Agent, credential: dict, challenge: str, name: str) -> PasskeyCredential | None:
    """Store a new key after checking the browser's answer to our challenge; None if invalid."""
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return None
    key = PasskeyCredential(
        agent_id=agent.id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        name=(name or "Security key").strip()[:64] or "Security key",
    )
    db.session.add(key)
    db.session.flush()
    audit.record(Actor.agent(agent.id), "agent.passkey_added", passkey_id=key.id)
    return key


def authentication_options(agent: Agent) -> tuple[str, str]:
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=_descriptors(agent),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def authenticate(agent: Agent, credential: dict, challenge: str) -> bool:
    """True when one of the agent's keys signed our challenge (and its counter moved on)."""
    found = next(
        (c for c in credentials(agent) if c.credential_id == (credential or {}).get("id")), None
    )
    if found is None:
        return False
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=base64url_to_bytes(found.public_key),
            credential_current_sign_count=found.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return False
    found.sign_count = verified.new_sign_count
    found.last_used_at = utcnow()
    return True


def remove(agent: Agent, key_id: int) -> None:
    key = db.session.get(PasskeyCredential, key_id)
    if key is not None and key.agent_id == agent.id:
        db.session.delete(key)
        audit.record(Actor.agent(agent.id), "agent.passkey_removed", passkey_id=key_id)
