"""Assignment through HTTP: give a ticket to a colleague with a note, unassign, auto-assign."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Agent, AuditEvent, Message, Ticket
from tests import support
from tests.test_agent_queue import _open

PASSWORD = "correct-horse-battery"


def _version(app, ticket_id: int) -> int:
    with app.app_context():
        return db.session.get(Ticket, ticket_id).version


def _actions(app, ticket_id: int | None = None) -> list[tuple[str, dict | None]]:
    with app.app_context():
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if ticket_id is not None:
            statement = statement.where(AuditEvent.ticket_id == ticket_id)
        return [(e.action, e.detail) for e in db.session.scalars(statement)]


def test_assign_to_a_colleague_with_a_note_then_unassign(app, client, make_agent):
    me = make_agent("me@example.test", name="Maja")
    colleague = make_agent("col@example.test", name="Kalle")
    support.login(client, "me@example.test", PASSWORD)
    [ticket_id] = _open(app)
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert 'id="assign-form"' in page and "Kalle" in page
    token = support.csrf_token(page)
    response = client.post(
        f"/agent/tickets/{ticket_id}/assign",
        data={
            "csrf_token": token,
            "version": _version(app, ticket_id),
            "assignee": str(colleague),
            "note": "She prefers calls after 10.",
        },
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kalle now has this ticket." in html
    assert "She prefers calls after 10." in html  # the note is on the ticket, internal
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.assignee_id == colleague and ticket.status == "open"
        note = db.session.scalar(select(Message).where(Message.ticket_id == ticket_id))
        note = db.session.scalar(
            select(Message).where(Message.ticket_id == ticket_id, Message.is_internal.is_(True))
        )
        assert note.author_agent_id == me and note.channel == "note"
    assign = [d for a, d in _actions(app, ticket_id) if a == "ticket.assign"]
    assert assign == [{"assignee_id": colleague, "previous_assignee_id": None, "with_note": True}]
    # The colleague sees it under "Mine".
    other = app.test_client()
    support.login(other, "col@example.test", PASSWORD)
    assert "Problem 0" in other.get("/agent/?scope=mine").get_data(as_text=True)

    client.post(
        f"/agent/tickets/{ticket_id}/assign",
        data={"csrf_token": token, "version": _version(app, ticket_id), "assignee": ""},
    )
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).assignee_id is None
    assert (
        "ticket.unassign",
        {"assignee_id": None, "previous_assignee_id": colleague, "with_note": False},
    ) in _actions(app, ticket_id)
    assert "Problem 0" in client.get("/agent/?scope=unassigned").get_data(as_text=True)


def test_assign_refuses_stale_version_and_inactive_agents(app, client, make_agent):
    make_agent("me@example.test", name="Maja")
    gone = make_agent("gone@example.test", name="Gone")
    with app.app_context():
        db.session.get(Agent, gone).active = False
        db.session.commit()
    support.login(client, "me@example.test", PASSWORD)
    [ticket_id] = _open(app)
    token = support.csrf_token(client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True))
    stale = _version(app, ticket_id) - 1
    response = client.post(
        f"/agent/tickets/{ticket_id}/assign",
        data={"csrf_token": token, "version": stale, "assignee": str(gone)},
    )
    assert "Someone else changed" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(
        f"/agent/tickets/{ticket_id}/assign",
        data={"csrf_token": token, "version": _version(app, ticket_id), "assignee": str(gone)},
    )
    assert "not active" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).assignee_id is None


def _set_available(app, email: str) -> None:
    agent_client = app.test_client()
    support.login(agent_client, email, PASSWORD)
    page = agent_client.get("/agent/").get_data(as_text=True)
    assert "I am available" in page
    agent_client.post(
        "/agent/availability", data={"csrf_token": support.csrf_token(page), "available": "1"}
    )
    assert "I am away" in agent_client.get("/agent/").get_data(as_text=True)


def _set_mode(app, client, mode: str) -> None:
    page = client.get("/agent/admin/assignment").get_data(as_text=True)
    response = client.post(
        "/agent/admin/assignment", data={"csrf_token": support.csrf_token(page), "mode": mode}
    )
    assert response.status_code == 302


def test_round_robin_among_available_agents_only(app, client, make_agent):
    make_agent("boss@example.test", role="admin", name="Boss")
    a = make_agent("a@example.test", name="Anna")
    b = make_agent("b@example.test", name="Bo")
    make_agent("c@example.test", name="Cilla")  # on the team but not available
    support.login(client, "boss@example.test", PASSWORD)
    _open(app, 1, email="before@example.test")  # auto-assignment is off by default
    _set_available(app, "a@example.test")
    _set_available(app, "b@example.test")
    _set_mode(app, client, "round_robin")
    ids = _open(app, 4)
    with app.app_context():
        assignees = [db.session.get(Ticket, i).assignee_id for i in ids]
        statuses = {db.session.get(Ticket, i).status for i in ids}
        first = db.session.scalar(
            select(Ticket).where(Ticket.customer.has(email="before@example.test"))
        )
        assert first.assignee_id is None
    assert assignees == [a, b, a, b] and statuses == {"new"}
    autos = [d for act, d in _actions(app) if act == "ticket.assign" and d.get("auto")]
    assert len(autos) == 4 and {d["auto"] for d in autos} == {"round_robin"}
    assert any(act == "agent.availability" for act, _ in _actions(app))
    html = client.get("/agent/admin/assignment").get_data(as_text=True)
    assert "Anna" in html and "Cilla" in html


def test_least_loaded_and_nobody_available(app, client, make_agent):
    make_agent("boss@example.test", role="admin", name="Boss")
    a = make_agent("a@example.test", name="Anna")
    b = make_agent("b@example.test", name="Bo")
    support.login(client, "boss@example.test", PASSWORD)
    _set_mode(app, client, "least_loaded")
    [nobody] = _open(app, 1, email="x@example.test")
    with app.app_context():
        assert db.session.get(Ticket, nobody).assignee_id is None  # no one is available
        db.session.get(Ticket, nobody).assignee_id = a  # Anna already has one
        db.session.commit()
    _set_available(app, "a@example.test")
    _set_available(app, "b@example.test")
    ids = _open(app, 3)
    with app.app_context():
        assignees = [db.session.get(Ticket, i).assignee_id for i in ids]
    assert assignees == [b, a, b]


def test_assignment_admin_page_is_for_admins(app, logged_in):
    client, _ = logged_in
    assert client.get("/agent/admin/assignment").status_code == 403
