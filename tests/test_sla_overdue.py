"""Overdue SLA clocks (issue 17): one mail per clock to the assignee and the admins through the
relay's schedule and the worker, the "N overdue" count and filter, the callback target, and
outcomes recorded when they happen — all through HTTP, the CLI relay and a real SMTP sink."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from app.domain import callbacks, settings, sla
from app.domain import intake as intake_module
from app.extensions import db
from app.models import Call, CallbackRequest, ScheduledRun, SlaNotice, Ticket
from app.models.base import utcnow
from tests import support
from tests.test_agent_queue import _open

PASSWORD = "correct-horse-battery"


def _age(app, ticket_id: int, **ago) -> None:
    """Move a ticket's clock start into the past, as if it had waited that long."""
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        ticket.created_at = utcnow() - timedelta(**ago)
        if ticket.last_customer_message_at is not None:
            ticket.last_customer_message_at = ticket.created_at
        sla.refresh_due(ticket)
        db.session.commit()


def _check_now(app, runner) -> None:
    """What `flask outbox relay` does on its pass (claim the check when due), then the worker;
    run twice so the notices the check queued are handed over and sent as well."""
    with app.app_context():
        db.session.execute(update(ScheduledRun).values(next_run_at=utcnow() - timedelta(1)))
        db.session.commit()
    assert runner.invoke(args=["outbox", "relay", "--once"]).exit_code == 0
    support.run_jobs(app)
    support.run_jobs(app)


def _overdue_mails(mail_sink) -> list[tuple[str, str]]:
    return [
        (m["message"]["To"], m["message"]["Subject"])
        for m in mail_sink.messages
        if m["message"]["Subject"].startswith("Overdue")
    ]


def test_overdue_clock_notifies_assignee_and_admins_once_per_clock(
    app, client, make_agent, runner, mail_sink
):
    boss = make_agent("boss@example.test", role="admin", name="Boss")
    helper = make_agent("helper@example.test", name="Helper")
    make_agent("bystander@example.test", name="Bystander")  # neither admin nor assignee
    [late] = _open(app, 1, subject="Late one", email="late@example.test")
    [fresh] = _open(app, 1, subject="Fresh one", email="fresh@example.test")
    [nobody] = _open(app, 1, subject="Nobody's", email="nobody@example.test")
    with app.app_context():
        db.session.get(Ticket, late).assignee_id = helper
        db.session.commit()
    # normal priority: first response within 480 minutes (resolution within 2,400: not yet)
    _age(app, late, hours=20)
    _age(app, nobody, hours=20)
    _check_now(app, runner)
    mails = _overdue_mails(mail_sink)
    with app.app_context():
        late_ref = db.session.get(Ticket, late).reference
        nobody_ref = db.session.get(Ticket, nobody).reference
    assert sorted(mails) == sorted(
        [
            ("helper@example.test", f"Overdue: {late_ref} (first response)"),
            ("boss@example.test", f"Overdue: {late_ref} (first response)"),
            ("boss@example.test", f"Overdue: {nobody_ref} (first response)"),
        ]
    )
    body = mail_sink.messages[-1]["message"].get_content()
    assert "/agent/tickets/" in body and "/agent/?overdue=1" in body
    # Idempotent: the check runs again (and a job may run twice): nothing new is sent.
    _check_now(app, runner)
    assert len(_overdue_mails(mail_sink)) == 3

    # The on-screen count in every agent page header, linking to the filtered queue.
    support.login(client, "boss@example.test", PASSWORD)
    html = client.get("/agent/").text
    link = re.search(r'<a href="([^"]+)" class="overdue-link" id="overdue-count">([^<]+)</a>', html)
    assert link and link.group(2) == "2 overdue" and link.group(1) == "/agent/?overdue=1"
    assert 'id="overdue-count"' in client.get("/agent/admin/sla").text
    filtered = client.get("/agent/?overdue=1").text
    assert "Late one" in filtered and "Nobody&#39;s" in filtered and "Fresh one" not in filtered
    assert "Showing only tickets with an overdue answer, resolution or callback." in filtered

    # Answering stops the clock (and the count); the customer's next message starts a new
    # clock, which, once overdue, is announced again.
    support.post_on_ticket(client, app, late, "reply", body="We are on it", channel="email")
    assert re.search(r'id="overdue-count">1 overdue<', client.get("/agent/").text)
    with app.app_context():
        ticket = db.session.get(Ticket, late)
        assert ticket.sla_due_at is None and ticket.first_response_met is False
        assert ticket.first_response_minutes >= 20 * 60 - 1
        intake_module.intake(
            intake_module.InboundMessage(
                channel="email",
                sender_email="late@example.test",
                subject=f"Re: Late one [{ticket.reference}]",
                body_text="Still broken",
            )
        )
        db.session.commit()
        ticket = db.session.get(Ticket, late)
        assert ticket.status == "open" and ticket.sla_due_at > utcnow()  # a new clock
        ticket.first_response_at = utcnow() - timedelta(days=3)
        ticket.last_customer_message_at = utcnow() - timedelta(days=2)
        sla.refresh_due(ticket)
        db.session.commit()
    mail_sink.messages.clear()
    _check_now(app, runner)
    assert sorted(_overdue_mails(mail_sink)) == [
        ("boss@example.test", f"Overdue: {late_ref} (next response)"),
        ("helper@example.test", f"Overdue: {late_ref} (next response)"),
    ]
    with app.app_context():
        clocks = db.session.scalars(
            select(SlaNotice.clock).where(SlaNotice.ticket_id == late).order_by(SlaNotice.id)
        ).all()
        assert clocks == ["first_response", "next_response"]
        assert fresh and boss


def test_callback_target_is_set_shown_counted_and_recorded(app, client, make_agent):
    make_agent("boss@example.test", role="admin", name="Boss")
    support.login(client, "boss@example.test", PASSWORD)
    page = client.get("/agent/admin/sla").text
    values = dict(re.findall(r'name="(\d_\w+|channel_\w+|callback)" value="([^"]*)"', page))
    assert values["callback"] == "120"
    token = support.csrf_token(page)
    for bad, message in (("soon", "Whole minutes only"), ("0", "Between 1 and"), ("", "Give a")):
        refused = client.post(
            "/agent/admin/sla", data={**values, "csrf_token": token, "callback": bad}
        )
        assert refused.status_code == 400
        assert re.search(r'id="callback"[^>]*aria-invalid="true"', refused.text)
        error = re.search(r'<span class="error" id="callback-error">([^<]+)</span>', refused.text)
        assert error and message in error.group(1)
        assert 'value="' + bad + '"' in refused.text  # kept as typed
    saved = client.post("/agent/admin/sla", data={**values, "csrf_token": token, "callback": "45"})
    assert saved.status_code == 302
    with app.app_context():
        settings.clear_cache()
        assert sla.targets()["callback"] == 45

    form = client.get("/callback").text
    client.post(
        "/callback",
        data={
            "csrf_token": support.csrf_token(form),
            "name": "Greta",
            "phone": "0701234599",
            "when": "asap",
        },
    )
    with app.app_context():
        callback = db.session.scalar(select(CallbackRequest))
        assert callback.due_at == callback.window_start + timedelta(minutes=45)
        ticket_id = callback.ticket_id
    row = _row(client.get("/agent/").text, ticket_id)
    assert re.search(r"Call back: (44|45) min left", row)
    with app.app_context():  # an hour later, nobody has called
        callback = db.session.scalar(select(CallbackRequest))
        callback.window_start -= timedelta(hours=1)
        callback.due_at -= timedelta(hours=1)
        db.session.commit()
    html = client.get("/agent/").text
    assert re.search(r"Call back: overdue 1[45] min", _row(html, ticket_id))
    assert 'id="overdue-count">1 overdue<' in html
    assert _row(client.get("/agent/?overdue=1").text, ticket_id)

    with app.app_context():  # reached now: late, recorded as missed
        callback = db.session.scalar(select(CallbackRequest))
        callbacks.record_dial_result(_call_for(callback), "completed", 60)
        db.session.commit()
        callback = db.session.scalar(select(CallbackRequest))
        assert callback.sla_met is False and 59 <= callback.answer_minutes <= 61
    assert 'id="overdue-count"' not in client.get("/agent/").text


def _call_for(callback):
    call = Call(ticket_id=callback.ticket_id, callback_id=callback.id, direction="out")
    db.session.add(call)
    db.session.flush()
    return call


def _row(html: str, ticket_id: int) -> str:
    start = html.index(f'href="/agent/tickets/{ticket_id}"', html.index('id="tickets-heading"'))
    return html[start : html.index("</tr>", start)]


def test_outcomes_are_recorded_when_they_happen_and_reported(app, client, make_agent):
    make_agent("boss@example.test", role="admin", name="Boss")
    support.login(client, "boss@example.test", PASSWORD)
    [ticket_id] = _open(app, 1, subject="Printer", email="p@example.test", priority=3)
    support.post_on_ticket(client, app, ticket_id, "reply", body="Try this", channel="email")
    support.post_on_ticket(
        client, app, ticket_id, "status", status="resolved", summary="Restarted the printer"
    )
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == "resolved"
        assert ticket.first_response_met is True and ticket.first_response_minutes < 1
        assert ticket.resolution_met is True and ticket.resolution_minutes < 1
    html = client.get("/agent/admin/reports").text
    by_priority = html[html.index('id="sla-priority-table"') :]
    assert '<th scope="row">Urgent</th><td>100 % (1 of 1)</td><td>100 % (1 of 1)</td>' in (
        by_priority
    )


def test_new_targets_move_running_clocks(app, client, make_agent, runner):
    make_agent("boss@example.test", role="admin", name="Boss")
    support.login(client, "boss@example.test", PASSWORD)
    [ticket_id] = _open(app, 1, subject="Slow", email="s@example.test")
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.sla_due_at == ticket.created_at + timedelta(minutes=480)
    page = client.get("/agent/admin/sla").text
    values = dict(re.findall(r'name="(\d_\w+|channel_\w+|callback)" value="([^"]*)"', page))
    saved = client.post(
        "/agent/admin/sla",
        data={**values, "csrf_token": support.csrf_token(page), "1_first_response": "60"},
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).sla_due_at is None  # recomputed by the check
    _check_now(app, runner)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.sla_due_at == ticket.created_at + timedelta(minutes=60)


def test_clocks_long_overdue_when_first_seen_are_counted_but_not_mailed(
    app, client, make_agent, runner, mail_sink
):
    """After an upgrade (or new targets) the check finds clocks late for days: they go into
    the count and the filter, and are recorded as seen, but no mail per old ticket is sent
    (one admin with 10,000 old tickets would get 10,000 mails); a fresh one is mailed."""
    make_agent("boss@example.test", role="admin", name="Boss")
    [old] = _open(app, 1, subject="Old backlog", email="old@example.test")
    [recent] = _open(app, 1, subject="Recent one", email="recent@example.test")
    _age(app, old, days=5)  # first response due 480 minutes after opening: ~4.7 days late
    _age(app, recent, hours=20)
    _check_now(app, runner)
    with app.app_context():
        recent_ref = db.session.get(Ticket, recent).reference
        notices = {n.ticket_id: n for n in db.session.scalars(select(SlaNotice))}
    assert _overdue_mails(mail_sink) == [
        ("boss@example.test", f"Overdue: {recent_ref} (first response)")
    ]
    assert old in notices and notices[old].recipients == []  # recorded: never mailed later
    _check_now(app, runner)
    assert len(_overdue_mails(mail_sink)) == 1
    support.login(client, "boss@example.test", PASSWORD)
    assert re.search(r'id="overdue-count">2 overdue<', client.get("/agent/").text)
    assert "Old backlog" in client.get("/agent/?overdue=1").text
