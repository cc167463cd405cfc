"""Integrations: API tokens and outgoing webhooks.

Tokens: 32 random bytes shown once, stored as SHA-256 (high-entropy secrets need no slow
hash), each with scopes; revoking is immediate. Webhooks: ticket events are written to the
outbox in the same transaction as the change, so a delivery is never lost and is retried
by the worker; the body is signed with HMAC-SHA256 of "<timestamp>.<body>" using the
endpoint's secret (header X-Helpdesk-Signature: t=<timestamp>,v1=<hex>).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import audit, outbox, read_once
from app.domain.audit import Actor
from app.domain.errors import DomainError
from app.extensions import db
from app.models import ApiToken, Ticket, WebhookEndpoint
from app.models.base import utcnow

SCOPES = {
    "tickets:read": _l("Read tickets"),
    "tickets:write": _l("Open tickets and change status or priority"),
    "messages:read": _l("Read the messages of tickets (never internal notes)"),
    "customers:read": _l("Read customers, contact details included"),
    "articles:read": _l("Read published community answers"),
}
EVENTS = {
    "ticket.created": _l("A ticket was opened"),
    "ticket.updated": _l("A ticket changed (status, priority, assignee)"),
    "ticket.resolved": _l("A ticket was resolved"),
}
TOKEN_PREFIX = "hdk_"  # noqa: S105  (a label, not a secret)


class IntegrationError(DomainError):
    """Refused; the message is safe to show to the admin or the API client."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, scopes: list[str], actor: Actor) -> tuple[ApiToken, str]:
    """A new token and its secret value (shown once, never stored)."""
    name = " ".join((name or "").split())[:120]
    if not name:
        raise IntegrationError(_l("Name the integration."))
    scopes = sorted(set(scopes))
    if not scopes or any(s not in SCOPES for s in scopes):
        raise IntegrationError(_l("Choose at least one permission."))
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        prefix=value[:12],
        token_hash=_hash(value),
        scopes=scopes,
        created_by_agent_id=actor.id if actor.kind == "agent" else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.created", token_id=token.id, scopes=scopes)
    return token, value


def revoke_token(token: ApiToken, actor: Actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "api_token.revoked", token_id=token.id)


def authenticate(value: str | None) -> ApiToken | None:
    """The live token with this value, or None (unknown or revoked)."""
    if not value or not value.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(value)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now  # at most one write a minute per token
    return token


def create_webhook(url: str, events: list[str], actor: Actor) -> tuple[WebhookEndpoint, str]:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(url) > 500:
        raise IntegrationError(_l("Give the full address, starting with https://."))
    events = sorted(set(events))
    if not events or any(e not in EVENTS for e in events):
        raise IntegrationError(_l("Choose at least one event."))
    secret = secrets.token_hex(32)
    endpoint = WebhookEndpoint(
        url=url,
        secret=secret,
        events=events,
        created_by_agent_id=actor.id if actor.kind == "agent" else None,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook.created", webhook_id=endpoint.id, events=events)
    return endpoint, secret


def disable_webhook(endpoint: WebhookEndpoint, actor: Actor) -> None:
    if endpoint.active:
        endpoint.active = False
        audit.record(actor, "webhook.disabled", webhook_id=endpoint.id)


def ticket_json(ticket: Ticket) -> dict:
    """The API's and the webhooks' view of a ticket: no contact details, no message text."""
    return {
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": str(ticket.status),
        "priority": ticket.priority,
        "channel": str(ticket.channel),
        "customer_id": ticket.customer_id,
        "assignee_id": ticket.assignee_id,
        "language": ticket.language,
        "created_at": ticket.created_at.isoformat() + "Z" if ticket.created_at else None,
        "updated_at": ticket.updated_at.isoformat() + "Z" if ticket.updated_at else None,
        "resolved_at": ticket.resolved_at.isoformat() + "Z" if ticket.resolved_at else None,
    }


def emit(event: str, ticket: Ticket) -> int:
    """Queue `event` for every active endpoint that wants it (same transaction as the
    change). Returns how many deliveries were queued."""
    endpoints = read_once.read(
        "webhook_endpoints",
        lambda: db.session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
        ).all(),
    )
    queued = 0
    for endpoint in endpoints:
        if event in (endpoint.events or []):
            outbox.enqueue(
                "webhook.deliver",
                webhook_id=endpoint.id,
                delivery_id=str(uuid.uuid4()),
                event=event,
                ticket=ticket_json(ticket),
            )
            queued += 1
    return queued


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"
