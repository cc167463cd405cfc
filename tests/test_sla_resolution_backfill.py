"""The resolution clock's overdue notice (once per ticket, not while waiting for the customer,
counted in the header) and `flask sla backfill` of outcomes from before they were recorded
(issue 17) — through the relay, the worker, a real SMTP sink, HTTP and the CLI."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.domain import sla
from app.extensions import db
from app.models import SlaNotice, Ticket
from app.models.base import utcnow
from tests import support
from tests.test_agent_queue import _open
from tests.test_sla_overdue import PASSWORD, _check_now, _overdue_mails, _row


def _set(app, ticket_id: int, **values) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        for name, value in values.items():
            setattr(ticket, name, value)
        sla.refresh_due(ticket)
        db.session.commit()


def test_late_resolution_is_announced_once_and_counted(app, client, make_agent, runner, mail_sink):
    make_agent("boss@example.test", role="admin", name="Boss")
    helper = make_agent("helper@example.test", name="Helper")
    [slow] = _open(app, 1, subject="Slow fix", email="slow@example.test")
    [waiting] = _open(app, 1, subject="Waits for customer", email="wait@example.test")
    [young] = _open(app, 1, subject="Young one", email="young@example.test")
    now = utcnow()
    # Normal priority: resolution within 2,400 minutes of opening. Both were answered a
    # minute ago, so their response clocks are fine; only the resolution clock is late.
    for ticket_id in (slow, waiting):
        _set(
            app,
            ticket_id,
            created_at=now - timedelta(days=3),
            last_customer_message_at=now - timedelta(days=3),
            first_response_at=now - timedelta(minutes=1),
            status="open",
            assignee_id=helper,
        )
    _set(app, waiting, status="waiting")  # the customer's move: no notice, not counted
    _set(app, young, first_response_at=now - timedelta(minutes=1), status="open")
    with app.app_context():
        ticket = db.session.get(Ticket, slow)
        assert ticket.resolution_due_at == ticket.created_at + timedelta(minutes=2400)
        assert ticket.sla_due_at > utcnow()  # the next response is not late
        assert db.session.get(Ticket, waiting).resolution_due_at is None
        slow_ref = ticket.reference

    _check_now(app, runner)
    assert sorted(_overdue_mails(mail_sink)) == [
        ("boss@example.test", f"Overdue: {slow_ref} (resolution)"),
        ("helper@example.test", f"Overdue: {slow_ref} (resolution)"),
    ]
    assert "The resolution on" in mail_sink.messages[-1]["message"].get_content()
    _check_now(app, runner)  # once per clock
    assert len(_overdue_mails(mail_sink)) == 2

    support.login(client, "boss@example.test", PASSWORD)
    html = client.get("/agent/").text
    assert re.search(r'id="overdue-count">1 overdue<', html)
    filtered = client.get("/agent/?overdue=1").text
    row = _row(filtered, slow)
    assert re.search(r"Resolution: overdue 3[0-9] h \d+ min", row) and "sla-late" in row
    assert "Waits for customer" not in filtered and "Young one" not in filtered
    assert "Resolution:" not in _row(html, young)  # a running resolution clock is not shown

    # The customer writes back: the ticket is ours again and its late resolution is announced
    # (once; the same clock is never announced again, reopened or not).
    mail_sink.messages.clear()
    _set(app, waiting, status="open")
    _check_now(app, runner)
    with app.app_context():
        waiting_ref = db.session.get(Ticket, waiting).reference
    assert sorted(_overdue_mails(mail_sink)) == [
        ("boss@example.test", f"Overdue: {waiting_ref} (resolution)"),
        ("helper@example.test", f"Overdue: {waiting_ref} (resolution)"),
    ]
    assert re.search(r'id="overdue-count">2 overdue<', client.get("/agent/").text)
    _set(app, waiting, status="waiting")
    _set(app, waiting, status="open")
    mail_sink.messages.clear()
    _check_now(app, runner)
    assert _overdue_mails(mail_sink) == []
    with app.app_context():
        clocks = db.session.scalars(select(SlaNotice.clock).where(SlaNotice.ticket_id == waiting))
        assert list(clocks) == ["resolution"]

    # Resolving stops the clock: no longer counted.
    support.post_on_ticket(client, app, slow, "status", status="resolved", summary="Fixed at last")
    assert re.search(r'id="overdue-count">1 overdue<', client.get("/agent/").text)
    with app.app_context():
        ticket = db.session.get(Ticket, slow)
        assert ticket.resolution_due_at is None and ticket.resolution_met is False


def test_backfill_records_outcomes_of_old_tickets_once(app, client, make_agent, runner):
    make_agent("boss@example.test", role="admin", name="Boss")
    quick, slow, done, open_one = _open(app, 4, subject="Old", priority=3)  # urgent: 30 / 480
    now = utcnow().replace(microsecond=0)
    old = {  # as tickets answered/resolved before outcomes were recorded look
        quick: dict(created=now - timedelta(hours=2), answered=10, resolved=50),
        slow: dict(created=now - timedelta(hours=12), answered=120, resolved=540),
        done: dict(created=now - timedelta(hours=3), answered=20, resolved=None),
    }
    with app.app_context():
        for ticket_id, spec in old.items():
            ticket = db.session.get(Ticket, ticket_id)
            ticket.created_at = spec["created"]
            ticket.first_response_at = spec["created"] + timedelta(minutes=spec["answered"])
            if spec["resolved"]:
                ticket.status = "resolved"
                ticket.resolved_at = spec["created"] + timedelta(minutes=spec["resolved"])
            else:
                ticket.status = "open"
            ticket.first_response_minutes = ticket.first_response_met = None
            ticket.resolution_minutes = ticket.resolution_met = None
        db.session.commit()
        before = {
            t.id: (t.version, t.updated_at)
            for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(old)))
        }
    support.login(client, "boss@example.test", PASSWORD)
    urgent_row = '<th scope="row">Urgent</th><td>67 % (2 of 3)</td><td>50 % (1 of 2)</td>'
    html = client.get("/agent/admin/reports").text
    assert urgent_row not in html[html.index('id="sla-priority-table"') :]

    result = runner.invoke(args=["sla", "backfill", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "done: 3 tickets filled"
    assert len(lines) == 3 and lines[0].startswith("up to ticket ")  # two batches of 2 and 1
    with app.app_context():
        got = {
            t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(old))).unique()
        }
        assert (got[quick].first_response_minutes, got[quick].first_response_met) == (10, True)
        assert (got[quick].resolution_minutes, got[quick].resolution_met) == (50, True)
        assert (got[slow].first_response_minutes, got[slow].first_response_met) == (120, False)
        assert (got[slow].resolution_minutes, got[slow].resolution_met) == (540, False)
        assert got[done].first_response_met is True and got[done].resolution_minutes is None
        assert {t.id: (t.version, t.updated_at) for t in got.values()} == before
        untouched = db.session.get(Ticket, open_one)
        assert untouched.first_response_minutes is None  # never answered: nothing to fill
    html = client.get("/agent/admin/reports").text
    assert urgent_row in html[html.index('id="sla-priority-table"') :]

    again = runner.invoke(args=["sla", "backfill"])
    assert again.exit_code == 0 and again.output.splitlines() == ["done: 0 tickets filled"]
    with app.app_context():
        assert db.session.get(Ticket, slow).resolution_minutes == 540
