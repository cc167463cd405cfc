"""Resolved ticket → RQ drafts an anonymized article → agent approves → public, searchable;
retract → gone. Public pages never show ticket ids, customer data, notes or drafts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain import settings
from app.domain.audit import Actor
from app.domain.community import search, slugify
from app.domain.intake import InboundMessage, intake
from app.domain.replies import add_note
from app.domain.tickets import change_status
from app.extensions import db
from app.models import Agent, Article, Ticket
from app.models.base import utcnow
from tests import support

BODY = (
    "Hello, my name is Karin Lindqvist, phone 070-555 12 34. My wifi router at Ekgränd 4 "
    "drops the connection every evening.\n\nMvh Karin"
)
FIX = "Changing the wifi channel to 11 and moving the router off the floor fixed the drops."
SUMMARY = f"Hi Karin,\n\n{FIX}\n\nBest regards,\nOlle\nSupport"


def _resolved_ticket(app, agent_id: int) -> int:
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email",
                sender_email="karin.l@example.test",
                sender_name="Karin Lindqvist",
                subject="Wifi drops at night",
                body_text=BODY,
            )
        )
        ticket = result.ticket
        ticket.customer.account_number = "AC-998877"
        agent = db.session.get(Agent, agent_id)
        add_note(ticket, agent, "Secret internal remark about Karin")
        change_status(ticket, "resolved", Actor.agent(agent_id), resolution_summary=SUMMARY)
        db.session.commit()
        return ticket.id


def _article(app) -> Article:
    with app.app_context():
        return db.session.scalars(select(Article)).one()


def _review(client, article_id, action, **fields):
    page = client.get(f"/agent/community/{article_id}").get_data(as_text=True)
    article = {
        "title": fields.get("title"),
        "problem": fields.get("problem"),
        "resolution": fields.get("resolution"),
        "category": fields.get("category"),
    }
    return client.post(
        f"/agent/community/{article_id}",
        data={
            "csrf_token": support.csrf_token(page),
            "action": action,
            **{k: v for k, v in article.items() if v is not None},
        },
    )


def test_from_resolution_to_public_answer_and_back(app, client, logged_in):
    client, agent_id = logged_in
    ticket_id = _resolved_ticket(app, agent_id)
    support.run_jobs(app)
    support.run_jobs(app)  # a job that runs twice still makes one article
    article = _article(app)
    assert article.status == "draft" and article.category == "internet"
    # Only text written for the public: the subject as the question, the steps as the answer.
    assert article.title == article.problem == "Wifi drops at night"
    assert article.resolution == FIX
    for private in ("Karin", "Lindqvist", "555 12 34", "Ekgränd", "every evening", "Olle", "Hi "):
        assert private not in article.problem + article.title + article.resolution
    assert article.flags == []
    # Drafts are not public.
    public = app.test_client()
    assert public.get(f"/answers/{article.slug}").status_code == 404
    assert "channel" not in public.get("/search?q=wifi").get_data(as_text=True).lower()
    review = client.get(f"/agent/community/{article.id}").get_data(as_text=True)
    assert "Wifi drops at night" in review and "Lindqvist" not in review
    _review(
        client,
        article.id,
        "approve",
        title=article.title,
        problem=article.problem,
        resolution=article.resolution,
        category=article.category,
    )
    support.run_jobs(app)
    page = public.get(f"/answers/{article.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with app.app_context():
        reference = db.session.get(Ticket, ticket_id).reference
    for leak in (
        "Karin",
        "Lindqvist",
        "karin.l@",
        "555",
        "Ekgränd",
        reference,
        "Secret internal",
        f"/tickets/{ticket_id}",
        "AC-998877",
    ):
        assert leak not in html, leak
    assert "<title>" in html and 'name="description"' in html
    assert "Checked by our support team, " in html and "every evening" not in html
    found = public.get("/search?q=wifi router").get_data(as_text=True)
    assert article.slug in found
    assert article.slug in public.get("/sitemap.xml").get_data(as_text=True)
    assert article.slug in public.get("/").get_data(as_text=True)
    page = client.get(f"/agent/community/{article.id}").get_data(as_text=True)
    client.post(
        f"/agent/community/{article.id}/retract", data={"csrf_token": support.csrf_token(page)}
    )
    gone = public.get(f"/answers/{article.slug}")
    assert gone.status_code == 410
    assert "no longer available" in gone.get_data(as_text=True) and FIX not in gone.get_data(
        as_text=True
    )
    assert "/callback" in gone.get_data(as_text=True)
    assert article.slug not in public.get("/search?q=wifi").get_data(as_text=True)
    assert article.slug not in public.get("/sitemap.xml").get_data(as_text=True)


def test_agents_edit_before_approving(app, client, logged_in):
    client, agent_id = logged_in
    _resolved_ticket(app, agent_id)
    support.run_jobs(app)
    article = _article(app)
    _review(
        client,
        article.id,
        "save",
        title="Wifi drops every evening",
        problem="The wifi drops.",
        resolution="Change the channel.",
        category="internet",
    )
    assert _article(app).title == "Wifi drops every evening"


def test_auto_publish_is_off_by_default_and_can_be_turned_on(app, client, logged_in):
    client, agent_id = logged_in
    with app.app_context():
        assert settings.get("community_auto_publish", fresh=True) is False
        settings.put("community_auto_publish", True)
        db.session.commit()
    _resolved_ticket(app, agent_id)
    support.run_jobs(app)
    assert _article(app).status == "published"


def test_one_vote_per_browser(app, client, logged_in):
    client, agent_id = logged_in
    _resolved_ticket(app, agent_id)
    support.run_jobs(app)
    with app.app_context():
        article = db.session.scalars(select(Article)).one()
        article.status = "published"
        db.session.commit()
        slug = article.slug
    browser = app.test_client()
    for _ in range(3):
        page = browser.get(f"/answers/{slug}").get_data(as_text=True)
        token = (
            support.csrf_token(page)
            if "csrf_token" in page
            else support.csrf_token(browser.get("/callback").get_data(as_text=True))
        )
        browser.post(f"/answers/{slug}/vote", data={"csrf_token": token, "helpful": "yes"})
    other = app.test_client()
    page = other.get(f"/answers/{slug}").get_data(as_text=True)
    other.post(
        f"/answers/{slug}/vote", data={"csrf_token": support.csrf_token(page), "helpful": "no"}
    )
    article = _article(app)
    assert (article.helpful_yes, article.helpful_no) == (1, 1)


def test_public_pages_need_no_login_and_work_in_swedish(app, client):
    home = client.get("/?lang=sv")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert 'lang="sv"' in html and "Be oss ringa dig" in html and "Mejla oss" in html
    assert client.get("/robots.txt").get_data(as_text=True).startswith("User-agent")


@pytest.mark.parametrize("path", ["/agent/community/", "/agent/community/1"])
def test_review_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_search_ranks_title_matches_first_and_hides_unpublished(app, client):

    with app.app_context():
        rows = [
            ("Printer offline", "The modem light blinks.", "Restart it.", "published"),
            ("Modem light blinks red", "Red light on the box.", "Reset the modem.", "published"),
            ("Modem draft", "modem modem modem", "modem", "draft"),
        ]
        for title, problem, resolution, status in rows:
            db.session.add(
                Article(
                    slug=slugify(title),
                    title=title,
                    problem=problem,
                    resolution=resolution,
                    status=status,
                    published_at=utcnow(),
                )
            )
        db.session.commit()
        titles = [a.title for a in search("modem")]
    assert titles == ["Modem light blinks red", "Printer offline"]
    assert "Modem draft" not in client.get("/search?q=modem").get_data(as_text=True)
