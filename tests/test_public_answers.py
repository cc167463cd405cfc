"""Public answers: only what was written for the public, flags a reviewer must clear, answers
that go back to review when they may no longer be true, stemmed search, correct plurals."""

from __future__ import annotations

from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import select, text

from app import create_app
from app.domain import community, settings
from app.domain.anonymize import anonymize
from app.domain.audit import Actor
from app.domain.intake import InboundMessage, intake
from app.domain.tickets import change_status
from app.extensions import db
from app.models import Agent, Article, Ticket
from app.models.base import utcnow
from tests import support

CUSTOMER_MAIL = (
    "Hello, I'm Gunilla Åkesson at Tallbacken 4, 070-111 22 33. My printer says offline "
    "although the wifi works. My son Hugo tried everything.\n\nGunilla"
)


def _ticket(app, subject="Printer says offline", language="en") -> int:
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email",
                sender_email="gunilla@example.test",
                sender_name="Gunilla Åkesson",
                subject=subject,
                body_text=CUSTOMER_MAIL,
            )
        )
        result.ticket.language = language
        db.session.commit()
        return result.ticket.id


def _resolve(app, ticket_id, agent_id, summary, question=None, answer=None) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        community.set_public_text(ticket, question, answer)
        change_status(ticket, "resolved", Actor.agent(agent_id), resolution_summary=summary)
        db.session.commit()


def _only_article(app) -> Article:
    with app.app_context():
        return db.session.scalars(select(Article)).one()


def test_strip_letter_keeps_only_the_steps():
    letter = (
        "Hi Gunilla,\n\nThank you for contacting us.\nRestart the printer, then add it again "
        "under Printers and scanners.\n\nKind regards,\nOlle\nSupport\n\n"
        "On 3 March 2026 Gunilla wrote:\n> my printer is offline"
    )
    assert community.strip_letter(letter) == (
        "Restart the printer, then add it again under Printers and scanners."
    )
    assert community.strip_letter("Hej!\nStarta om routern.\nMvh /Lasse") == "Starta om routern."
    assert community.prefill_question("Re: [HD-123456] Printer offline") == "Printer offline"


def test_agent_writes_the_public_question_and_answer_when_resolving(app, logged_in):
    client, agent_id = logged_in
    ticket_id = _ticket(app)
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert 'name="public_question"' in page and "Printer says offline" in page  # prefilled
    with app.app_context():
        version = db.session.get(Ticket, ticket_id).version
    response = client.post(
        f"/agent/tickets/{ticket_id}/status",
        data={
            "csrf_token": support.csrf_token(page),
            "version": version,
            "status": "resolved",
            "summary": "Told Gunilla to re-add the printer.",
            "public_question": "The printer says offline but the wifi works",
            "public_answer": "Turn the printer off and on. Then remove it and add it again.",
        },
    )
    assert response.status_code in (302, 303)
    support.run_jobs(app)
    article = _only_article(app)
    assert article.title == "The printer says offline but the wifi works"
    assert article.resolution == "Turn the printer off and on. Then remove it and add it again."
    everything = article.title + article.problem + article.resolution
    for private in ("Gunilla", "Åkesson", "Tallbacken", "070", "Hugo", "son"):
        assert private not in everything
    assert article.category != "phone"


def test_flags_must_be_decided_and_block_auto_publish(app, logged_in):
    client, agent_id = logged_in
    with app.app_context():
        settings.put("community_auto_publish", True)
        db.session.commit()
    ticket_id = _ticket(app)
    _resolve(
        app,
        ticket_id,
        agent_id,
        "Reinstalled the Zyxtrom driver; the printer Qorvalex-9 works again.",
    )
    support.run_jobs(app)
    article = _only_article(app)
    assert article.status == "draft"  # auto-publish never publishes a flagged article
    tokens = [f["token"] for f in article.flags]
    assert "Zyxtrom" in tokens and "Qorvalex-9" in tokens
    page = client.get(f"/agent/community/{article.id}").get_data(as_text=True)
    assert 'class="flagged"' in page and 'name="flag-0"' in page
    fields = {
        "title": article.title,
        "problem": article.problem,
        "resolution": article.resolution,
        "category": article.category,
    }
    client.post(
        f"/agent/community/{article.id}",
        data={"csrf_token": support.csrf_token(page), "action": "approve", **fields},
    )
    assert _only_article(app).status == "draft"  # undecided flags: not approved
    decisions = {
        f"flag-{i}": "keep" if f["token"] == "Zyxtrom" else "redact"
        for i, f in enumerate(article.flags)
    }
    page = client.get(f"/agent/community/{article.id}").get_data(as_text=True)
    client.post(
        f"/agent/community/{article.id}",
        data={
            "csrf_token": support.csrf_token(page),
            "action": "approve",
            **fields,
            **decisions,
        },
    )
    support.run_jobs(app)
    article = _only_article(app)
    assert article.status == "published"
    assert "Zyxtrom" in article.resolution and "Qorvalex" not in article.resolution
    assert "[removed]" in article.resolution


def _published(app, title="Printer offline", body="Restart the printer.") -> str:
    with app.app_context():
        article = Article(
            slug=community.slugify(title),
            title=title,
            problem=title,
            resolution=body,
            status="published",
            published_at=utcnow(),
            checked_at=utcnow(),
        )
        db.session.add(article)
        db.session.commit()
        return article.slug


def test_repeated_did_not_help_sends_an_answer_back_to_review(app):
    slug = _published(app)
    for _ in range(3):
        browser = app.test_client()
        page = browser.get(f"/answers/{slug}").get_data(as_text=True)
        browser.post(
            f"/answers/{slug}/vote", data={"csrf_token": support.csrf_token(page), "helpful": "no"}
        )
    article = _only_article(app)
    assert article.status == "review" and article.review_reason == "not helpful"
    gone = app.test_client().get(f"/answers/{slug}")
    assert gone.status_code == 410 and "checking whether this answer is still right" in (
        gone.get_data(as_text=True)
    )


def test_old_answers_go_back_to_review_after_the_admins_age(app):
    _published(app)
    with app.app_context():
        settings.put("community_review_after_days", 30)
        article = db.session.scalars(select(Article)).one()
        article.checked_at = utcnow() - timedelta(days=31)
        db.session.commit()
        assert community.send_stale_to_review() == 1
        db.session.commit()
    assert _only_article(app).review_reason == "age"


def test_an_agent_marks_an_answer_contradicted_by_a_newer_ticket(app, logged_in):
    client, agent_id = logged_in
    _published(app)
    ticket_id = _ticket(app)
    with app.app_context():
        reference = db.session.get(Ticket, ticket_id).reference
        article_id = db.session.scalars(select(Article.id)).one()
    page = client.get(f"/agent/community/{article_id}").get_data(as_text=True)
    client.post(
        f"/agent/community/{article_id}/contradicted",
        data={"csrf_token": support.csrf_token(page), "reference": reference.lower()},
    )
    assert _only_article(app).review_reason == "contradicted"
    page = client.get(f"/agent/community/{article_id}").get_data(as_text=True)
    assert "a newer ticket contradicts it" in page


def test_a_retracted_answer_points_to_the_current_one(app, logged_in):
    client, _agent_id = logged_in
    old_slug = _published(app, "Old printer advice")
    new_slug = _published(app, "Printer offline after update", "Update the driver.")
    with app.app_context():
        old = db.session.scalar(select(Article).where(Article.slug == old_slug))
        community.retract(
            old,
            db.session.scalars(select(Agent)).first(),
            db.session.scalar(select(Article).where(Article.slug == new_slug)),
        )
        db.session.commit()
    html = app.test_client().get(f"/answers/{old_slug}").get_data(as_text=True)
    assert f"/answers/{new_slug}" in html and "Ask us to call you" in html


def test_search_stems_swedish_and_english_and_counts_in_words(app, client):
    _published(app, "Printer offline", "Restart the printer.")
    _published(app, "Routern blinkar rött", "Starta om routern.")
    for query in ("printers", "Printing", "printer"):
        html = client.get(f"/search?q={query}").get_data(as_text=True)
        assert "Printer offline" in html, query
        assert "1 answer found" in html
    html = client.get("/search?q=routrar").get_data(as_text=True)
    assert "Routern blinkar" in html
    html = client.get("/search?q=printer&lang=sv").get_data(as_text=True)
    assert "1 svar hittades" in html


def test_categories_ignore_placeholders():
    assert (
        community.categorize("Write to [phone] about the printer", "[phone] [phone]") == "general"
    )


def test_existing_articles_are_migrated_and_doubtful_ones_go_back_to_review(tmp_path):
    """Migration 2101 on a database holding old-style articles (the customer's letter)."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app(support.test_config(url, tmp_path))
    with app.app_context():
        upgrade(revision="0403")
        for slug, resolution in (
            ("letter", "Hi [name],\n\nRestart the router.\n\nBest regards,\n[name]"),
            ("clean", "Restart the router and wait two minutes."),
        ):
            db.session.execute(
                text(
                    "INSERT INTO articles (slug, title, problem, resolution, category, language, "
                    "status, helpful_yes, helpful_no, created_at, updated_at, published_at) "
                    "VALUES (:slug, 'Router restarts', 'Dear support, my name is [name] and "
                    "my router at [address]...', :resolution, 'internet', 'en', 'published', "
                    "0, 0, '2026-01-01', '2026-01-01', '2026-01-01')"
                ),
                {"slug": slug, "resolution": resolution},
            )
        db.session.commit()
        upgrade()
        rows = {
            row.slug: row
            for row in db.session.execute(
                text("SELECT slug, status, problem, resolution, review_reason FROM articles")
            )
        }
        db.engine.dispose()
    assert rows["letter"].status == "review" and rows["letter"].review_reason == "migrated"
    assert rows["letter"].resolution == "Restart the router."
    assert rows["clean"].status == "published"
    assert all(row.problem == "Router restarts" for row in rows.values())


def test_site_vocabulary_from_many_customers_and_the_glossary_clears_flags(app):
    with app.app_context():
        settings.put("community_vocabulary_customers", 3)
        settings.put("community_glossary", ["Zyxtrom"])
        for n in range(3):
            intake(
                InboundMessage(
                    channel="email",
                    sender_email=f"c{n}@example.test",
                    subject="Box",
                    body_text=f"My Qorvalex box number {n} restarts. Signed Wolfgang Ekdahl{n}",
                )
            )
        db.session.commit()
        community.clear_vocabulary_cache()
        vocabulary = community.site_vocabulary()
    assert {"qorvalex", "zyxtrom"} <= vocabulary
    assert "wolfgang" not in vocabulary  # names never become vocabulary
    assert anonymize("Restart the Qorvalex and the Zyxtrom.", vocabulary=vocabulary).flags == []


def test_helpful_counts_read_as_words(app, client):
    slug = _published(app)
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        article.helpful_yes = 1
        db.session.commit()
    assert "1 person found this helpful" in client.get("/").get_data(as_text=True)
    assert "1 person tyckte att det hjälpte" in client.get("/?lang=sv").get_data(as_text=True)
