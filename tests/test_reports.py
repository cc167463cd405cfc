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
        for i, (channel, opened, answered, resolved) in enumerate(rows):
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
                )
            )
        db.session.flush()
        ticket_id = db.session.scalar(db.select(Ticket.id).limit(1))
        for status, attempts in (("completed", 1), ("no_answer", 3)):
            db.session.add(
                CallbackRequest(
                    ticket_id=ticket_id,
                    customer_id=customer.id,
                    phone=customer.phone,
                    source="web",
                    status=status,
                    attempts=attempts,
                    created_at=day,
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
    assert html.count("<rect") == 2 * 30  # in and out bars for 30 days
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
    # A ten-year range is cut to the last 92 days, and the page says so.
    html = client.get("/agent/admin/reports?from=2016-01-01&to=" + today.isoformat()).text
    assert "At most 92 days at a time" in html and html.count("<rect") == 2 * 92
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
