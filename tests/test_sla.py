"""SLA targets and business-time clocks (opening hours and holidays from app.domain.hours)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from app.domain import hours, settings, sla
from app.extensions import db
from app.models import AuditEvent, Ticket
from app.models.base import utcnow
from tests import support
from tests.test_agent_queue import _open

PASSWORD = "correct-horse-battery"


def _office_hours(app) -> None:
    """Monday to Friday 8-17 in Stockholm with Swedish holidays (tests are always open)."""
    app.config["BUSINESS_COUNTRY"] = "SE"
    settings.put("business_hours", {"open": 8, "close": 17, "days": [0, 1, 2, 3, 4]})
    db.session.commit()
    settings.clear_cache()


def test_clocks_pause_outside_opening_hours_weekends_and_holidays(ctx):
    _office_hours(ctx)
    # Friday 16:30 in Stockholm (CET, UTC+1) + 60 business minutes -> Monday 08:30.
    friday = datetime(2026, 11, 20, 15, 30)
    assert sla.add_business_minutes(friday, 60) == datetime(2026, 11, 23, 7, 30)
    assert sla.business_minutes_between(friday, datetime(2026, 11, 23, 7, 30)) == 60
    # Christmas: 23 Dec 16:30 + 60 min skips Christmas Eve, Christmas Day and the weekend.
    assert sla.add_business_minutes(datetime(2026, 12, 23, 15, 30), 60) == datetime(
        2026, 12, 28, 7, 30
    )
    # An admin's own closed day counts too.
    settings.put("closed_days", ["2026-11-23"])
    db.session.commit()
    settings.clear_cache()
    assert sla.add_business_minutes(friday, 60) == datetime(2026, 11, 24, 7, 30)
    # Before opening on a weekday the clock starts at opening time.
    assert sla.add_business_minutes(datetime(2026, 11, 25, 5, 0), 30) == datetime(
        2026, 11, 25, 7, 30
    )


def test_running_clock_per_state(ctx):
    _office_hours(ctx)
    now = datetime(2026, 11, 25, 12, 0)  # Wednesday 13:00 local
    ticket = Ticket(status="new", priority=3, channel="email", created_at=now - timedelta(hours=2))
    clock = sla.running_clock(ticket, now)
    assert clock.measure == "first_response" and clock.overdue  # urgent: 30 minutes
    assert round(clock.minutes_left) == -90
    ticket.first_response_at = now - timedelta(minutes=90)
    ticket.last_customer_message_at = now - timedelta(minutes=10)
    ticket.status = "open"
    clock = sla.running_clock(ticket, now)
    assert clock.measure == "next_response" and round(clock.minutes_left) == 50
    ticket.status = "waiting"
    assert sla.running_clock(ticket, now) is None  # the customer's move: no clock


def test_queue_shows_time_left_and_overdue(app, logged_in):
    client, _ = logged_in
    [old] = _open(app, 1, subject="Old one", email="old@example.test")
    [fresh] = _open(app, 1, subject="Fresh one", email="fresh@example.test")
    with app.app_context():
        db.session.get(Ticket, old).created_at = utcnow() - timedelta(days=10)
        db.session.commit()
    html = client.get("/agent/").get_data(as_text=True)
    row = lambda subject: html[html.index(subject) : html.index("</tr>", html.index(subject))]  # noqa: E731
    assert "overdue" in row("Old one") and "sla-late" in row("Old one")
    assert re.search(r"\d+ (h \d+ )?min left", row("Fresh one"))
    # A clock due weeks ago says since when, instead of counting every day (cheap at 1M).
    with app.app_context():
        ticket = db.session.get(Ticket, old)
        ticket.created_at = utcnow() - timedelta(days=400)
        db.session.commit()
        due = hours.to_local(sla.running_clock(ticket).due)
    html = client.get("/agent/").get_data(as_text=True)
    assert f"overdue since {due:%Y-%m-%d}" in row("Old one") and "sla-late" in row("Old one")


def test_admin_sets_targets_and_bad_values_are_refused_at_the_field(app, client, make_agent):
    make_agent("boss@example.test", role="admin")
    support.login(client, "boss@example.test", PASSWORD)
    page = client.get("/agent/admin/sla").get_data(as_text=True)
    values = dict(re.findall(r'name="(\d_\w+|channel_\w+|callback)" value="([^"]*)"', page))
    assert values["3_first_response"] == "30"
    token = support.csrf_token(page)
    bad = client.post(
        "/agent/admin/sla", data={**values, "csrf_token": token, "2_resolution": "-5"}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert re.search(r'id="2_resolution"[^>]*aria-invalid="true"', html)
    assert 'id="2_resolution-error"' in html and "Whole minutes only" in html
    late = client.post(
        "/agent/admin/sla",
        data={**values, "csrf_token": token, "1_first_response": "9999", "1_resolution": "100"},
    )
    assert late.status_code == 400 and "cannot be due after the resolution" in late.text
    good = client.post(
        "/agent/admin/sla",
        data={**values, "csrf_token": token, "3_first_response": "15", "channel_voice": "10"},
    )
    assert good.status_code == 302
    with app.app_context():
        settings.clear_cache()
        table = sla.targets()
        assert table["priority"]["3"]["first_response"] == 15
        assert table["first_response_by_channel"] == {"voice": 10}
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.sla"))
