"""The public community pages in a real browser: search, read, vote — no JavaScript needed."""

from __future__ import annotations

import pytest

from app.domain.community import slugify
from app.extensions import db
from app.models import Article
from app.models.base import utcnow

pytestmark = pytest.mark.browser


def test_search_read_and_vote(app, live_server, page):
    with app.app_context():
        for title, problem in [
            ("Wifi drops every evening", "The wifi drops at night."),
            ("TV box shows a black screen", "Black screen after update."),
        ]:
            db.session.add(
                Article(
                    slug=slugify(title),
                    title=title,
                    problem=problem,
                    resolution="Restart it and change the channel.",
                    category="internet",
                    status="published",
                    published_at=utcnow(),
                )
            )
        db.session.add(
            Article(
                slug="secret-draft",
                title="Wifi draft not yet approved",
                problem="x",
                resolution="y",
                status="draft",
            )
        )
        db.session.commit()
    page.goto(live_server.url + "/")
    assert "Help and answers" in page.title()
    page.fill("#q", "wifi")
    page.click(".search-form button")
    page.wait_for_url("**/search?q=wifi")
    results = page.locator(".article-list li")
    assert results.count() == 1 and "Wifi drops every evening" in results.first.inner_text()
    results.first.locator("a").click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Wifi drops every evening"
    page.click("button[value=yes]")
    page.wait_for_selector("text=Thank you for telling us.")
    assert page.console_errors == []
    with app.app_context():
        assert (
            db.session.query(Article).filter_by(title="Wifi drops every evening").one().helpful_yes
            == 1
        )
    response = page.goto(live_server.url + "/answers/secret-draft")
    assert response.status == 404  # drafts are never public
