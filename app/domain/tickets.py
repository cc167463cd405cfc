"""Ticket status rules. Every status change goes through `change_status`."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import audit, integrations, outbox, sla, surveys
from app.domain.audit import Actor
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Ticket
from app.models.base import utcnow
from app.models.enums import TicketStatus

# new → open → waiting → resolved → closed; a customer reply reopens a resolved ticket.
NEW, OPEN, WAITING, RESOLVED, CLOSED = TicketStatus
TRANSITIONS: dict[TicketStatus, set[TicketStatus]] = {
    NEW: {OPEN, WAITING, RESOLVED, CLOSED},
    OPEN: {WAITING, RESOLVED, CLOSED},
    WAITING: {OPEN, RESOLVED, CLOSED},
    RESOLVED: {OPEN, CLOSED},
    CLOSED: {OPEN},
}


class TicketError(DomainError):
    """A change the rules do not allow; the message is safe to show to an agent."""


class StaleVersion(TicketError):
    """The agent acted on an old copy of the ticket; someone else changed it meanwhile."""


_reference_digits = [6]  # grows (to 9) once the shorter references are mostly taken


def new_reference() -> str:
    """A short, speakable reference like HD-482113 (random, so it does not reveal volume).

    Six digits while they last; after two collisions in a row at a length, one digit more
    for this process from then on — so the cost stays one lookup however many tickets exist
    (a million tickets fill the six-digit space)."""
    misses = 0
    while True:
        digits = _reference_digits[0]
        low = 10 ** (digits - 1)
        reference = f"HD-{secrets.randbelow(9 * low) + low}"
        if db.session.scalar(select(Ticket.id).where(Ticket.reference == reference)) is None:
            return reference
        misses += 1
        if misses >= 2 and digits == _reference_digits[0] and digits < 9:
            _reference_digits[0] = digits + 1
            misses = 0


def check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != ticket.version:
        raise StaleVersion(
            _l(
                "%(reference)s was changed by someone else while you were looking at it. "
                "Reload the ticket to see the latest version, then try again.",
                reference=ticket.reference,
            )
        )


def touch(ticket: Ticket) -> None:
    """Bump the version: every visible change invalidates older copies open elsewhere."""
    ticket.version = (ticket.version or 0) + 1
    ticket.updated_at = utcnow()
    sla.refresh_due(ticket)  # the running clock may have changed (status, priority, answer)


def change_status(
    ticket: Ticket,
    new_status: str,
    actor: Actor,
    *,
    resolution_summary: str | None = None,
    expected_version: int | None = None,
    notify: bool = False,
) -> Ticket:
    """Move a ticket to `new_status`, enforcing the state machine and recording why.

    With `notify`, resolving also tells the customer and asks how we did (surveys)."""
    check_version(ticket, expected_version)
    old_status = ticket.status
    if new_status == old_status:
        return ticket
    if new_status not in TRANSITIONS.get(old_status, set()):
        raise TicketError(
            _l("A %(old)s ticket cannot become %(new)s.", old=old_status, new=new_status)
        )
    now = utcnow()
    if new_status == TicketStatus.RESOLVED:
        summary = (resolution_summary or "").strip()
        if actor.kind == "agent" and not summary:
            raise TicketError(_l("Please write a short summary of how this was resolved."))
        ticket.resolution_summary = summary or ticket.resolution_summary
        ticket.resolved_at = now
        sla.record_resolution(ticket, now)
        if summary:  # a resolution worth sharing: draft an anonymized community answer
            outbox.enqueue("article.draft", ticket_id=ticket.id)
    elif old_status in {TicketStatus.RESOLVED, TicketStatus.CLOSED}:
        ticket.resolved_at = None
        sla.record_resolution(ticket, None)
    ticket.status = new_status
    touch(ticket)
    audit.record(
        actor,
        "ticket.status",
        ticket_id=ticket.id,
        old=old_status,
        new=new_status,
    )
    if new_status == "resolved" and notify:
        surveys.on_resolved(ticket, actor)
    integrations.emit("ticket.resolved" if new_status == "resolved" else "ticket.updated", ticket)
    return ticket


def assign(
    ticket: Ticket, agent_id: int | None, actor: Actor, *, expected_version: int | None = None
) -> Ticket:
    check_version(ticket, expected_version)
    ticket.assignee_id = agent_id
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
    touch(ticket)
    audit.record(actor, "ticket.assign", ticket_id=ticket.id, assignee_id=agent_id)
    return ticket


def set_priority(
    ticket: Ticket, priority: int, actor: Actor, *, expected_version: int | None = None
) -> Ticket:
    check_version(ticket, expected_version)
    if priority not in (0, 1, 2, 3):
        raise TicketError(_l("Priority must be low, normal, high or urgent."))
    ticket.priority = priority
    touch(ticket)
    audit.record(actor, "ticket.priority", ticket_id=ticket.id, priority=priority)
    integrations.emit("ticket.updated", ticket)
    return ticket
