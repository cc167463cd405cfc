"""axe-core (WCAG 2.2 AA) on the pages of issue 17: assignment, tags, care notes and more."""

from __future__ import annotations

import pytest

from app.domain import care_notes, surveys, tags
from app.domain.audit import SYSTEM
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from tests.test_accessibility import axe_page, violations  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

PAGES = [
    "/agent/",
    "/agent/?tag=fiber-outage",
    "/agent/tickets/{ticket_id}",
    "/agent/admin/assignment",
    "/agent/admin/satisfaction",
    "/agent/admin/reports",
    "/agent/admin/integrations",
    "/agent/admin/reports?from=2000-01-01",
    "/agent/tickets/new-call",
    "/agent/tickets/new-call?phone=0701234567",
    "/agent/customers/{customer_id}/merge",
    "/agent/customers/{customer_id}/merge?other={other_id}",
    "/agent/customers/{customer_id}/merge?other={customer_id}",
]


def test_workflow_pages_have_no_axe_violations(app, live_server, axe_page, make_agent):  # noqa: F811
    make_agent(role="admin")
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email", sender_email="a@example.test", subject="Fiber", body_text="Down"
            )
        )
        tags.add(result.ticket, "fiber-outage, växjö", SYSTEM)
        care_notes.set_care_note(result.ticket.customer, "Hard of hearing: text first", SYSTEM)
        db.session.commit()
        ticket_id = result.ticket.id
        reference = result.ticket.reference
        customer_id = result.ticket.customer_id
        second = intake(
            InboundMessage(channel="sms", sender_phone="+46701234567", body_text="Hello")
        )
        db.session.commit()
        other_id = second.ticket.customer_id
        result.ticket.resolution_summary = "Restarted"
        survey = surveys.on_resolved(result.ticket, SYSTEM)
        db.session.commit()
        survey_path = f"/survey/{surveys.token_for(survey)}?score=2"
    axe_page.goto(live_server.url + "/login")
    axe_page.fill("input[name=email]", "agent@example.test")
    axe_page.fill("input[name=password]", "correct-horse-battery")
    axe_page.click("input[type=submit]")
    axe_page.wait_for_url("**/agent/**")
    for path in PAGES:
        axe_page.goto(
            live_server.url
            + path.format(ticket_id=ticket_id, customer_id=customer_id, other_id=other_id)
        )
        assert violations(axe_page) == [], path
    axe_page.goto(live_server.url + survey_path)
    assert violations(axe_page) == [], "survey answer page"
    axe_page.click("#survey-form button[type=submit]")
    assert violations(axe_page) == [], "survey thanks page"
    axe_page.goto(live_server.url + "/agent/admin/satisfaction")
    assert "1 (100 %)" in axe_page.content()
    assert violations(axe_page) == [], "satisfaction with an answer"
    axe_page.goto(f"{live_server.url}/agent/tickets/{ticket_id}")
    with app.app_context():
        intake(
            InboundMessage(
                channel="email",
                sender_email="a@example.test",
                subject=f"Re: [{reference}]",
                body_text="More news",
            )
        )
        db.session.commit()
    axe_page.fill("#reply-body", "My answer")
    axe_page.click("#reply-form button[type=submit]")
    assert "Send anyway" in axe_page.content()
    assert violations(axe_page) == [], "ticket page after a collision"
    axe_page.goto(live_server.url + "/agent/admin/sla")
    axe_page.fill("[id='2_resolution']", "-5")
    axe_page.click("#sla-form button[type=submit]")
    assert "Whole minutes only" in axe_page.content()
    assert violations(axe_page) == [], "SLA form with an error"
    axe_page.goto(live_server.url + "/agent/admin/integrations")
    axe_page.fill("#token-name", "CRM")
    axe_page.check("input[value='tickets:read']")
    axe_page.click("#token-form button[type=submit]")
    assert "shown only once" in axe_page.content()
    assert violations(axe_page) == [], "integrations with a new token"
    axe_page.click("#webhook-form button[type=submit]")
    assert violations(axe_page) == [], "integrations with errors"
    axe_page.goto(live_server.url + "/agent/tickets/new-call")
    axe_page.fill("#phone", "not a number")
    axe_page.fill("#subject", "Router")
    axe_page.click("#new-call-form button[type=submit]")
    assert "not a phone number" in axe_page.content()
    assert violations(axe_page) == [], "new-call form with errors"
    axe_page.goto(f"{live_server.url}/agent/customers/{customer_id}/merge?other={customer_id}")
    axe_page.click("#merge-form button[type=submit]")
    assert "Tick the box" in axe_page.content()
    assert violations(axe_page) == [], "merge form asking for confirmation"
    axe_page.goto(f"{live_server.url}/agent/customers/{customer_id}/merge?other={other_id}")
    axe_page.click("#merge-form button[type=submit]")
    assert "Undo this merge" in axe_page.content()
    assert violations(axe_page) == [], "merge history"
