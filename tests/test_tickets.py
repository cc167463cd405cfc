"""Status rules and optimistic version checks."""

import pytest
from sqlalchemy import select

from app.domain.audit import SYSTEM, Actor
from app.domain.intake import InboundMessage, intake
from app.domain.tickets import StaleVersion, TicketError, assign, change_status
from app.extensions import db
from app.models import AuditEvent


@pytest.fixture
def ticket(ctx):
    result = intake(InboundMessage(channel="web", sender_phone="+46701234567", body_text="help"))
    db.session.commit()
    return result.ticket


def test_valid_path_through_the_state_machine(ticket):
    agent = Actor.agent(1)
    for status in ("open", "waiting", "open"):
        change_status(ticket, status, agent)
    change_status(ticket, "resolved", agent, resolution_summary="Reset the router.")
    assert ticket.resolved_at is not None and ticket.resolution_summary == "Reset the router."
    change_status(ticket, "closed", agent)
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "ticket.status")
    ).all()
    assert [a["new"] for a in actions] == ["open", "waiting", "open", "resolved", "closed"]


def test_invalid_transition_is_refused_and_changes_nothing(ticket):
    change_status(ticket, "closed", SYSTEM)
    with pytest.raises(TicketError, match="closed ticket cannot become waiting"):
        change_status(ticket, "waiting", SYSTEM)
    assert ticket.status == "closed"


def test_agent_must_summarise_a_resolution(ticket):
    with pytest.raises(TicketError, match="summary"):
        change_status(ticket, "resolved", Actor.agent(1), resolution_summary="  ")
    assert ticket.status == "new"


def test_stale_version_is_refused(ticket):
    seen = ticket.version
    assign(ticket, None, Actor.agent(2), expected_version=seen)
    with pytest.raises(StaleVersion, match="changed by someone else"):
        change_status(ticket, "waiting", Actor.agent(1), expected_version=seen)
    assert ticket.status == "open"


def test_reopen_clears_resolved_at(ticket):
    change_status(ticket, "resolved", SYSTEM)
    change_status(ticket, "open", SYSTEM)
    assert ticket.resolved_at is None
