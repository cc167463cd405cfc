"""The data-protection pages in a real browser: they work without JavaScript and have no
axe-core (WCAG 2.2 AA) violations; the erasure form asks before it acts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Customer
from tests.test_accessibility import axe_page, violations  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_privacy_pages_are_accessible_and_erase_asks_first(app, live_server, axe_page, make_agent):  # noqa: F811
    make_agent(role="admin")
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email", sender_email="a@example.test", subject="Printer", body_text="Jams"
            )
        )
        db.session.commit()
        customer_id = result.ticket.customer_id
    axe_page.goto(live_server.url + "/login")
    axe_page.fill("input[name=email]", "agent@example.test")
    axe_page.fill("input[name=password]", "correct-horse-battery")
    axe_page.click("input[type=submit]")
    axe_page.wait_for_url("**/agent/**")
    base = "/agent/admin/data-protection"
    for path in (
        base,
        f"{base}/customers/{customer_id}",
        f"{base}/customers/{customer_id}/summary",
        f"{base}/records",
        f"{base}/retention",
    ):
        axe_page.goto(live_server.url + path)
        assert violations(axe_page) == [], path
    # Erase: the browser will not submit without the confirmation tick (required).
    axe_page.goto(live_server.url + f"{base}/customers/{customer_id}")
    axe_page.click("button.danger")
    assert axe_page.url.endswith(f"/customers/{customer_id}")
    axe_page.check("input[name=confirm_erase]")
    axe_page.click("button.danger")
    assert "Close the open tickets" in axe_page.content() or "open tickets" in axe_page.content()
    axe_page.check("input[name=confirm_open]")
    axe_page.check("input[name=confirm_erase]")
    axe_page.click("button.danger")
    axe_page.wait_for_url("**/requests/*")
    assert violations(axe_page) == []
    with app.app_context():
        assert db.session.get(Customer, customer_id) is not None  # the worker erases later
        assert db.session.scalars(select(Customer)).all()
