"""WCAG 2.2 AA checks with axe-core (npm) in Debian chromium, on public and agent pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.community import slugify
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Article
from app.models.base import utcnow

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / ".cache/axe/node_modules/axe-core/axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/setup.sh with WITH_BROWSER=1 (make test)")
    context = browser.new_context(bypass_csp=True)  # only to inject axe itself
    page = context.new_page()
    yield page
    context.close()


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def test_public_pages_have_no_axe_violations(app, live_server, axe_page):
    with app.app_context():
        article = Article(
            slug=slugify("Wifi drops"),
            title="Wifi drops every evening",
            problem="The wifi drops at night.",
            resolution="Change the channel.",
            category="internet",
            status="published",
            published_at=utcnow(),
        )
        db.session.add(article)
        db.session.commit()
        slug = article.slug
    for path in (
        "/",
        "/?lang=sv",
        "/callback",
        "/search?q=wifi",
        f"/answers/{slug}",
        "/topics/internet",
        "/login",
    ):
        axe_page.goto(live_server.url + path)
        assert violations(axe_page) == [], path
    axe_page.goto(live_server.url + "/callback")
    axe_page.click("button[type=submit]")  # the page with error messages
    assert violations(axe_page) == [], "callback form with errors"


def test_agent_pages_have_no_axe_violations(app, live_server, axe_page, make_agent):
    make_agent(role="admin")
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email",
                sender_email="a@example.test",
                subject="Printer",
                body_text="It jams",
            )
        )
        db.session.commit()
        ticket_id = result.ticket.id
    axe_page.goto(live_server.url + "/login")
    axe_page.fill("input[name=email]", "agent@example.test")
    axe_page.fill("input[name=password]", "correct-horse-battery")
    axe_page.click("input[type=submit]")
    axe_page.wait_for_url("**/agent/**")
    for path in (
        "/agent/",
        f"/agent/tickets/{ticket_id}",
        "/agent/community/",
        "/agent/admin/agents",
        "/agent/admin/jobs",
        "/agent/admin/audit",
    ):
        axe_page.goto(live_server.url + path)
        assert violations(axe_page) == [], path
