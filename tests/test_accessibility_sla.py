"""axe-core (WCAG 2.2 AA) on the SLA parts of issue 17: the "N overdue" header link, the
overdue queue filter with a callback clock, the SLA attainment chart and tables, and the
callback target refused at its field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain import callbacks, sla, tickets
from app.domain.audit import SYSTEM
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models.base import utcnow
from tests.test_accessibility import axe_page, violations  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_sla_pages_have_no_axe_violations(app, live_server, axe_page, make_agent):  # noqa: F811
    make_agent(role="admin")
    with app.app_context():
        late = intake(
            InboundMessage(
                channel="email", sender_email="a@example.test", subject="Late", body_text="Down"
            )
        ).ticket
        late.created_at = utcnow() - timedelta(days=3)
        sla.refresh_due(late)
        callback = callbacks.request_callback(phone="+46701234567", source="sms")
        callback.window_start = utcnow() - timedelta(hours=5)
        sla.set_callback_due(callback)
        done = intake(
            InboundMessage(
                channel="email", sender_email="b@example.test", subject="Done", body_text="Hi"
            )
        ).ticket
        db.session.flush()
        sla.record_first_response(done, utcnow())
        tickets.change_status(done, "resolved", SYSTEM, resolution_summary="Fixed")
        db.session.commit()
    axe_page.goto(live_server.url + "/login")
    axe_page.fill("input[name=email]", "agent@example.test")
    axe_page.fill("input[name=password]", "correct-horse-battery")
    axe_page.click("input[type=submit]")
    axe_page.wait_for_url("**/agent/**")
    assert axe_page.locator("#overdue-count").inner_text() == "2 overdue"
    assert violations(axe_page) == [], "queue with the overdue count"
    axe_page.click("#overdue-count")
    axe_page.wait_for_url("**overdue=1**")
    assert "Call back: overdue" in axe_page.content()
    assert violations(axe_page) == [], "overdue tickets only"
    axe_page.goto(live_server.url + "/agent/admin/reports")
    assert axe_page.locator("#sla-channel-table").is_visible()
    assert violations(axe_page) == [], "reports with SLA attainment"
    axe_page.goto(live_server.url + "/agent/admin/sla")
    axe_page.fill("#callback", "soon")
    axe_page.click("#sla-form button[type=submit]")
    assert axe_page.locator("#callback-error").is_visible()
    assert violations(axe_page) == [], "SLA form with a callback error"
