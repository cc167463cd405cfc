"""The manager report through HTTP: in/out per day and channel, times, callbacks,
satisfaction, workload; an accessible SVG chart with data tables; CSV; a bounded range."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from app.extensions import db
from app.models import Agent, CallbackRequest, Customer, SatisfactionSurvey, Ticket
from app.models.base import utcnow
from tests import support

PASSWORD = "correct-horse-battery"


def _seed(app, agent_id: int) -> date:
    today = utcnow().date()
    day = datetime.combine(today - timedelta(days=2), datetime.min.time()) + timedelta(hours=9)
    with app.app_context():
        customer = Customer(name="Report Person", email="r@example.test", phone="+46701112233")
        db.session.add(customer)
        db.session.flush()
        rows = [
            ("email", day, day + timedelta(minutes=30), day + timedelta(hours=5)),
            ("email", day, day + timedelta(minutes=90), None),
            (
                "sms",
                day + timedelta(days=1),
                day + timedelta(days=1, minutes=10),
                day + timedelta(days=1, hours=1),
            ),
            ("voice", day - timedelta(days=200), None, day + timedelta(hours=2)),  # old ticket
        ]
        # Outcomes as the domain records them (app.domain.sla; open round the clock in tests,
        # normal priority: first response within 480 minutes, resolution within 2400).
        minutes = lambda a, b: (a - b).total_seconds() / 60 if a and b else None  # noqa: E731
        for i, (channel, opened, answered, resolved) in enumerate(rows):
            first, done = minutes(answered, opened), minutes(resolved, opened)
            db.session.add(
                Ticket(
                    reference=f"HD-90000{i}",
                    subject="s",
                    status="resolved" if resolved else "open",
                    channel=channel,
                    customer_id=customer.id,
                    assignee_id=agent_id,
                    created_at=opened,
                    first_response_at=answered,
                    resolved_at=resolved,
                    first_response_minutes=first,
                    first_response_met=None if first is None else first <= 60,
                    resolution_minutes=done,
                    resolution_met=None if done is None else done <= 2400,
                )
            )
        db.session.flush()
        ticket_id = db.session.scalar(db.select(Ticket.id).limit(1))
        for status, attempts, met in (("completed", 1, True), ("no_answer", 3, None)):
            db.session.add(
                CallbackRequest(
                    ticket_id=ticket_id,
                    customer_id=customer.id,
                    phone=customer.phone,
                    source="web",
                    status=status,
                    attempts=attempts,
                    created_at=day,
                    window_start=day,
                    due_at=day + timedelta(minutes=120),
                    sla_met=met,
                )
            )
        db.session.add(
            SatisfactionSurvey(
                ticket_id=ticket_id,
                customer_id=customer.id,
                agent_id=agent_id,
                channel="email",
                sent_at=day,
                score=1,
                answered_at=day,
            )
        )
        db.session.commit()
    return today


def test_report_page_figures_chart_and_tables(app, client, make_agent):
    boss = make_agent("boss@example.test", role="admin", name="Boss")
    support.login(client, "boss@example.test", PASSWORD)
    today = _seed(app, boss)
    html = client.get("/agent/admin/reports").get_data(as_text=True)
    # Accessible chart: an image with a title and description, and the data as tables.
    assert '<svg role="img" aria-labelledby="volume-title volume-desc"' in html
    volume = html[html.index('id="volume-title"') : html.index("</svg>")]
    assert volume.count("<rect") == 2 * 30  # in and out bars for 30 days
    assert '<th scope="row">email</th><td>2</td><td>1</td>' in html
    assert '<th scope="row">voice</th><td>0</td><td>1</td>' in html  # resolved in the period
    assert '<th scope="row">sms</th><td>1</td><td>1</td>' in html
    # First response: 30, 90, 10 minutes -> median 30; resolution: 5 h, 1 h, old one.
    times = html[html.index('id="times-table"') :]
    assert "<td>3</td><td>30 min</td><td>90 min</td>" in times
    assert "Requested: 2. Answered: 1 (50 %). Attempts per request: 2.0." in html
    assert "Asked: 1. Answered: 1. Share good: 100 %." in html
    assert '<th scope="row">Boss</th><td>3</td><td>1</td>' in html
    day = (today - timedelta(days=2)).isoformat()
    assert f'<th scope="row">{day}</th><td>2</td><td>2</td>' in html
    # SLA attainment: first response (30, 90, 10 min against 60 here): email 1 of 2, sms 1
    # of 1; the 200-day-old ticket resolved late; callbacks: one reached in time, one given up.
    sla_part = html[html.index('id="sla-heading"') : html.index('id="callbacks-heading"')]
    assert '<svg role="img" aria-labelledby="sla-title sla-desc"' in sla_part
    assert "<title>First response, Email: 50 % (1 of 2)</title>" in sla_part
    by_channel = sla_part[sla_part.index('id="sla-channel-table"') :]
    assert (
        '<th scope="row">Email</th><td>50 % (1 of 2)</td><td>100 % (1 of 1)</td>'
        "<td>50 % (1 of 2)</td>" in by_channel
    )
    assert '<th scope="row">SMS</th><td>100 % (1 of 1)</td>' in by_channel
    by_priority = sla_part[sla_part.index('id="sla-priority-table"') :]
    assert (
        '<th scope="row">Normal</th><td>67 % (2 of 3)</td><td>67 % (2 of 3)</td>'
        "<td>50 % (1 of 2)</td>" in by_priority
    )


def test_report_csv_and_bounded_range(app, client, make_agent):
    boss = make_agent("boss@example.test", role="admin")
    support.login(client, "boss@example.test", PASSWORD)
    today = _seed(app, boss)
    response = client.get("/agent/admin/reports.csv")
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["date", "channel", "tickets_in", "tickets_out"]
    day = (today - timedelta(days=2)).isoformat()
    assert [day, "email", "2", "1"] in rows
    assert ["first_response_median_minutes", "30.0"] in rows
    assert ["sla_measure", "channel", "priority", "met", "counted", "share_met"] in rows
    assert ["first_response", "email", "normal", "1", "2", "0.5"] in rows
    assert ["first_response", "all", "all", "2", "3", "0.667"] in rows
    assert ["callback", "email", "normal", "1", "2", "0.5"] in rows
    # A ten-year range is cut to the last 92 days, and the page says so.
    html = client.get("/agent/admin/reports?from=2016-01-01&to=" + today.isoformat()).text
    volume = html[html.index('id="volume-title"') : html.index("</svg>")]
    assert "At most 92 days at a time" in html and volume.count("<rect") == 2 * 92
    short = today - timedelta(days=91)
    assert f'value="{short.isoformat()}"' in html
    # Reversed and unreadable dates do not fail.
    assert client.get("/agent/admin/reports?from=2030-01-01&to=2029-12-01").status_code == 200
    assert client.get("/agent/admin/reports?from=nonsense").status_code == 200


def test_reports_are_for_admins(app, logged_in):
    client, _ = logged_in
    assert client.get("/agent/admin/reports").status_code == 403
    assert client.get("/agent/admin/reports.csv").status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(Agent.role)) == "agent"
