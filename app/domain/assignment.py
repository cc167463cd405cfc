"""Who works on a ticket: assigning with a note, unassigning, and automatic assignment.

Automatic assignment (off by default) gives each new ticket to one of the agents who marked
themselves available — in turn (round-robin) or to whoever has the fewest open tickets
(least-loaded). Every change is audited with ids only.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.domain import audit, integrations, read_once, settings, tickets
from app.domain.audit import SYSTEM, Actor
from app.domain.tickets import TicketError
from app.extensions import db
from app.models import Agent, Message, Ticket

MODES = ("off", "round_robin", "least_loaded")
MODE_SETTING = "auto_assign_mode"
LAST_SETTING = "auto_assign_last_agent"
NOTE_LIMIT = 2000


class AssignmentError(TicketError):
    """An assignment the rules refuse; the message is safe to show to an agent."""


def assign(
    ticket: Ticket,
    assignee: Agent | None,
    actor: Actor,
    *,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Give the ticket to `assignee` (None: unassign), optionally with an internal note.

    The note is stored as an internal message on the ticket, so the colleague reads why
    they got it where they work.
    """
    tickets.check_version(ticket, expected_version)
    if assignee is not None and not assignee.active:
        raise AssignmentError(_l("That agent's account is not active."))
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise AssignmentError(_l("The note is too long."))
    previous = ticket.assignee_id
    new_id = assignee.id if assignee is not None else None
    if previous == new_id and not note:
        return ticket
    ticket.assignee_id = new_id
    if assignee is not None and actor.kind == "agent" and ticket.status == "new":
        tickets.change_status(ticket, "open", actor)
    if note:
        db.session.add(
            Message(
                ticket=ticket,
                direction="out",
                channel="note",
                is_internal=True,
                author_agent_id=actor.id if actor.kind == "agent" else None,
                body_text=note,
                meta={"kind": "assignment", "assignee_id": new_id},
            )
        )
    tickets.touch(ticket)
    db.session.flush()
    audit.record(
        actor,
        "ticket.assign" if new_id is not None else "ticket.unassign",
        ticket_id=ticket.id,
        assignee_id=new_id,
        previous_assignee_id=previous,
        with_note=bool(note),
    )
    integrations.emit("ticket.updated", ticket)
    return ticket


def set_available(agent: Agent, available: bool, actor: Actor) -> None:
    """An agent going on or off shift for automatic assignment."""
    if agent.available == available:
        return
    agent.available = available
    audit.record(actor, "agent.availability", agent_id=agent.id, available=available)


def mode() -> str:
    value = read_once.read("assignment_mode", lambda: settings.get(MODE_SETTING, fresh=True))
    return value if value in MODES else "off"


def set_mode(value: str, actor: Actor) -> None:
    if value not in MODES:
        raise AssignmentError(_l("Unknown assignment mode."))
    settings.put(MODE_SETTING, value)
    audit.record(actor, "settings.auto_assign", mode=value)


def open_load(agent_ids: list[int] | None = None) -> dict[int, int]:
    """Tickets that need work per assignee. Naming the agents lets the database read only
    their ranges of ix_tickets_assignee_status (all assignees: a scan of every ticket)."""
    if agent_ids is None:
        agent_ids = list(db.session.scalars(select(Agent.id)))
    if not agent_ids:
        return {}
    rows = db.session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(agent_ids), Ticket.status.in_(("new", "open", "waiting")))
        .group_by(Ticket.assignee_id)
    ).all()
    return {agent_id: count for agent_id, count in rows}


def available_agents() -> list[Agent]:
    return list(
        db.session.scalars(
            select(Agent)
            .where(Agent.active.is_(True), Agent.available.is_(True))
            .order_by(Agent.id)
        )
    )


def pick(candidates: list[Agent], how: str) -> Agent | None:
    """The next agent by the mode's rule; None if nobody is available."""
    if not candidates:
        return None
    if how == "least_loaded":
        load = open_load([a.id for a in candidates])
        return min(candidates, key=lambda a: (load.get(a.id, 0), a.id))
    last = int(settings.get(LAST_SETTING, fresh=True) or 0)
    chosen = next((a for a in candidates if a.id > last), candidates[0])
    settings.put(LAST_SETTING, chosen.id)
    return chosen


def auto_assign(ticket: Ticket) -> Agent | None:
    """Called when a ticket is opened: assign it if automatic assignment is on."""
    how = mode()
    if how == "off" or ticket.assignee_id is not None:
        return None
    chosen = pick(available_agents(), how)
    if chosen is None:
        return None
    ticket.assignee_id = chosen.id
    db.session.flush()
    audit.record(
        SYSTEM,
        "ticket.assign",
        ticket_id=ticket.id,
        assignee_id=chosen.id,
        previous_assignee_id=None,
        auto=how,
    )
    return chosen
