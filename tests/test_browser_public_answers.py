"""Resolve → the draft shows the gate's flags → a reviewer clears them → the public page holds
only the public question and answer. Real chromium; axe-core on the review page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Article
from tests import support
from tests.test_accessibility import AXE, violations

pytestmark = pytest.mark.browser

MAIL = (
    "Hi, this is Birgitta Sjöberg, Hamngatan 12, phone 070-555 01 02. The TV box shows no "
    "channels since the storm. My grandson Elias already tried.\n\nBirgitta"
)


def test_resolve_review_flags_and_publish_only_the_public_text(
    app, live_server, browser, make_agent
):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/setup.sh with WITH_BROWSER=1 (make test)")
    make_agent()
    with app.app_context():
        ticket = intake(
            InboundMessage(
                channel="email",
                sender_email="birgitta@example.test",
                sender_name="Birgitta Sjöberg",
                subject="Re: TV box has no channels",
                body_text=MAIL,
            )
        ).ticket
        db.session.commit()
        ticket_id = ticket.id
    context = browser.new_context(bypass_csp=True)  # only so that axe can be injected
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("input[name=email]", "agent@example.test")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/agent/**")

    page.goto(f"{live_server.url}/agent/tickets/{ticket_id}")
    assert page.input_value("#public-question") == "TV box has no channels"  # prefilled
    page.fill("#resolve-summary", "Hi Birgitta, we rescanned the channels. Best regards, Olle")
    page.fill("#public-question", "The TV box shows no channels after a power cut")
    page.fill(
        "#public-answer",
        "Open the menu, choose Settings and then Channel scan. On a Vexmorra box the scan "
        "takes about five minutes.",
    )
    page.click("#resolve-form button[type=submit]")
    page.wait_for_selector("text=Status changed.")
    support.run_jobs(app)

    with app.app_context():
        article = db.session.scalars(select(Article)).one()
        article_id, slug = article.id, article.slug
        assert [f["token"] for f in article.flags] == ["Vexmorra"]
    page.goto(f"{live_server.url}/agent/community/{article_id}")
    flagged = page.locator("mark.flagged")
    assert flagged.count() == 1 and "Vexmorra" in flagged.first.inner_text()
    page.add_script_tag(path=str(AXE))
    assert violations(page) == [], "review page"

    page.click("button[value=approve]")  # no decision yet: refused
    page.wait_for_selector("text=Decide for every flagged word first")
    page.check("input[name=flag-0][value=redact]")
    page.click("button[value=approve]")
    page.wait_for_selector("text=Approved.")
    support.run_jobs(app)

    public = browser.new_context().new_page()
    public.goto(f"{live_server.url}/answers/{slug}")
    text = public.locator("article").inner_text()
    assert "The TV box shows no channels after a power cut" in text
    assert "Open the menu, choose Settings and then Channel scan." in text
    assert "Checked by our support team," in text
    for private in (
        "Birgitta",
        "Sjöberg",
        "Hamngatan",
        "070",
        "Elias",
        "Olle",
        "storm",
        "Vexmorra",
    ):
        assert private not in public.content(), private
    context.close()
    public.context.close()
