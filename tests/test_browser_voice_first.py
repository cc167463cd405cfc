"""The agent's side of voice-first in a real browser: the plain-language hint (live, with
JavaScript) and naming a trusted helper on a verified ticket; axe-core on both states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Ticket, TrustedHelper
from app.models.base import utcnow
from tests.test_accessibility import axe_page, violations  # noqa: F401 - fixture
from tests.test_browser_agent import _log_in

pytestmark = pytest.mark.browser


def _verified_ticket(app) -> int:
    with app.app_context():
        ticket = intake(
            InboundMessage(
                channel="email",
                sender_email="anna@example.test",
                sender_name="Anna Berg",
                subject="Printer",
                body_text="It does not print",
                language="en",
            )
        ).ticket
        ticket.customer.phone = "+46701234567"
        ticket.verified_level = "phone"  # as after a code by SMS (tests/test_identity.py)
        ticket.verified_until = utcnow() + timedelta(minutes=30)
        db.session.commit()
        return ticket.id


def test_live_hint_and_naming_a_helper(app, live_server, axe_page, make_agent):  # noqa: F811
    make_agent()
    ticket_id = _verified_ticket(app)
    page = axe_page
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/agent/tickets/{ticket_id}")
    page.fill("#reply-body", "Please utilize the reboot function to commence the process.")
    hint = page.locator("#readability-hint")
    hint.get_by_text("utilize").wait_for()  # the live hint (JavaScript) lists the jargon
    assert "use" in hint.inner_text()

    page.get_by_text("The customer wants to name a helper").click()
    form = page.locator("form[action$='/helpers']")
    form.locator("input[name=name]").fill("Elsa Berg")
    form.locator("input[name=phone]").fill("070-999 88 77")
    form.locator("input[name=may_see][value=address]").check()
    form.get_by_role("button", name="Add helper").click()
    page.get_by_text("Helper added.").wait_for()
    assert "Elsa Berg" in page.locator("#helpers-heading ~ ul").inner_text()
    assert violations(page) == []
    with app.app_context():
        helper = db.session.scalar(select(TrustedHelper))
        assert helper.phone == "+46709998877" and helper.may_see == ["address"]
        assert helper.scope_ticket_id == db.session.get(Ticket, ticket_id).id
