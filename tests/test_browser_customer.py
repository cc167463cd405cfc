"""Issue 13: the public side tried as a customer would, in a real browser (Chromium).

Each test walks one thing a 78-year-old or a phone-first customer does, asserts what they
see and hear about, and runs axe-core (WCAG 2.2 AA) on every page and state it reaches.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain import identity
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Agent, Customer, Ticket, VerificationChallenge
from tests.test_accessibility import AXE, violations

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/setup.sh with WITH_BROWSER=1 (make test)")
    context = browser.new_context(bypass_csp=True)  # only to inject axe itself
    page = context.new_page()
    yield page
    context.close()


def no_violations(page, what: str) -> None:
    assert violations(page) == [], what


def shot(page, name: str) -> None:
    """Screenshots for the README's "Tried as a customer would" section."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def email_challenge(app, make_agent) -> tuple[str, str]:
    """An email code for a customer with a ticket: (plain code, /verify path)."""
    agent_id = make_agent()
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email",
                sender_email="anna.berg@example.test",
                sender_name="Anna Berg",
                subject="My bill",
                body_text="Please help",
            )
        )
        agent = db.session.get(Agent, agent_id)
        challenge = identity.start_challenge(result.ticket, agent, "email")
        prepared = identity.prepare_code(challenge)
        db.session.commit()
        return prepared.code, f"/verify/{prepared.link_token}"


def test_code_box_takes_the_code_as_people_type_it(app, live_server, axe_page, make_agent):
    """Item 2: "461 464" is not cut to "461 46"; a short code burns no try; reopening the
    used link says "You are verified" (item 10)."""
    code, path = email_challenge(app, make_agent)
    page = axe_page
    page.goto(live_server.url + path)
    box = page.locator("#code")
    assert box.get_attribute("inputmode") == "numeric"
    assert box.get_attribute("autocomplete") == "one-time-code"
    no_violations(page, "verify form")
    page.fill("#code", "12 34")  # too short: told so, no try burnt
    page.click("button[type=submit]")
    assert "The code has 6 digits" in page.locator("#code-error").inner_text()
    assert page.locator("#code").get_attribute("aria-invalid") == "true"
    assert page.locator("#code").input_value() == "12 34"  # kept as typed
    no_violations(page, "verify form with an error")
    with app.app_context():
        assert db.session.query(VerificationChallenge).one().attempts == 0
    spaced = f"{code[:3]} {code[3:]}"
    page.locator("#code").fill("")
    page.locator("#code").press_sequentially(spaced)
    assert page.locator("#code").input_value() == spaced  # nothing cut off
    page.click("button[type=submit]")
    assert "You are verified" in page.locator("main").inner_text()
    no_violations(page, "verified")
    with app.app_context():
        challenge = db.session.query(VerificationChallenge).one()
        assert challenge.used_at is not None and challenge.attempts == 1
        ticket = db.session.get(Ticket, challenge.ticket_id)
        assert ticket.verified_level == "mailbox"
    response = page.goto(live_server.url + path)  # the customer opens the mail again
    assert response.status == 200
    text = page.locator("main").inner_text()
    assert "You are verified" in text and "no longer works" not in text


def test_code_with_dashes_verifies(app, live_server, page, make_agent):
    code, path = email_challenge(app, make_agent)
    page.goto(live_server.url + path)
    page.fill("#code", f"{code[:3]}-{code[3:]}")
    page.click("button[type=submit]")
    assert "You are verified" in page.locator("main").inner_text()
    with app.app_context():
        assert db.session.query(Customer).one().email == "anna.berg@example.test"
