"""The ticket state machine as pure rules: transient objects, no database, nothing outside."""

from __future__ import annotations

import pytest

from app.domain import tickets
from app.domain.audit import SYSTEM, Actor
from app.domain.tickets import TRANSITIONS, StaleVersion, TicketError, change_status, check_version
from app.extensions import db
from app.models import AuditEvent, OutboxItem, Ticket
from app.models.enums import TicketStatus


@pytest.fixture(autouse=True)
def _no_integrations(monkeypatch):
    """Webhook subscriptions live in the database; these tests look at the rules only."""
    emitted: list[str] = []
    monkeypatch.setattr(tickets.integrations, "emit", lambda event, ticket: emitted.append(event))
    return emitted


def _ticket(status: TicketStatus = TicketStatus.NEW) -> Ticket:
    return Ticket(id=1, reference="HD-100001", status=status, version=1)


def _added(kind: type) -> list:
    return [o for o in db.session.new if isinstance(o, kind)]


def test_every_status_has_its_rules_and_nothing_leads_back_to_new():
    assert set(TRANSITIONS) == set(TicketStatus)
    assert all(TicketStatus.NEW not in targets for targets in TRANSITIONS.values())


def test_valid_path_records_audit_and_drafts_an_article_on_resolution(domain):
    ticket = _ticket()
    agent = Actor.agent(1)
    for status in (TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.OPEN):
        change_status(ticket, status, agent)
    change_status(ticket, TicketStatus.RESOLVED, agent, resolution_summary="Reset the router.")
    change_status(ticket, TicketStatus.CLOSED, agent)
    assert ticket.status == "closed" and ticket.version == 6
    assert [e.detail["new"] for e in _added(AuditEvent)] == [
        "open",
        "waiting",
        "open",
        "resolved",
        "closed",
    ]
    assert [i.topic for i in _added(OutboxItem)] == ["article.draft"]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (TicketStatus.CLOSED, TicketStatus.WAITING),
        (TicketStatus.RESOLVED, TicketStatus.WAITING),
        (TicketStatus.OPEN, TicketStatus.NEW),
    ],
)
def test_forbidden_transitions_change_nothing(domain, start, target):
    ticket = _ticket(start)
    with pytest.raises(TicketError, match=f"{start} ticket cannot become {target}"):
        change_status(ticket, target, SYSTEM)
    assert ticket.status == start and not _added(AuditEvent)


def test_an_agent_must_summarise_a_resolution_the_system_need_not(domain):
    with pytest.raises(TicketError, match="summary"):
        change_status(_ticket(), TicketStatus.RESOLVED, Actor.agent(1), resolution_summary=" ")
    ticket = _ticket()
    change_status(ticket, TicketStatus.RESOLVED, SYSTEM)
    assert ticket.status == "resolved" and not _added(OutboxItem)


def test_a_stale_version_is_refused(domain):
    with pytest.raises(StaleVersion):
        check_version(_ticket(), 0)
    check_version(_ticket(), 1)
    check_version(_ticket(), None)
