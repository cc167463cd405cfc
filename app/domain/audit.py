"""Recording audit events. Callers pass ids and kinds, never the private values."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent


class Actor:
    """Who is acting: an agent, the customer, or the system (SMTP, webhooks, workers)."""

    __slots__ = ("kind", "id")

    def __init__(self, kind: str, id: int | None = None) -> None:  # noqa: A002
        self.kind = kind
        self.id = id

    @classmethod
    def agent(cls, agent_id: int) -> Actor:
        return cls("agent", agent_id)

    @classmethod
    def customer(cls, customer_id: int | None = None) -> Actor:
        return cls("customer", customer_id)

    def __repr__(self) -> str:
        return f"Actor({self.kind}, {self.id})"


SYSTEM = Actor("system")


def record(
    actor: Actor,
    action: str,
    *,
    ticket_id: int | None = None,
    customer_id: int | None = None,
    **detail: object,
) -> AuditEvent:
    event = AuditEvent(
        actor_type=actor.kind,
        actor_id=actor.id,
        action=action,
        ticket_id=ticket_id,
        customer_id=customer_id,
        detail=detail or None,
    )
    db.session.add(event)
    return event
