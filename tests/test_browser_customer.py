"""Issue 13: the public side tried as a customer would, in a real browser (Chromium).

Each test walks one thing a 78-year-old or a phone-first customer does, asserts what they
see and hear about, and runs axe-core (WCAG 2.2 AA) on every page and state it reaches.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest

from app.customer import errors, forms, routes
from app.domain import callbacks, hours, identity, settings
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Agent, Article, Customer, Ticket, VerificationChallenge
from app.models.base import utcnow
from tests import support
from tests.test_accessibility import AXE, violations
from tests.test_hours import utc

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
    """Screenshots for the README's "Tried as a customer would" section, written when
    SCREENSHOTS=1 (so an ordinary test run leaves the working tree clean)."""
    if os.environ.get("SCREENSHOTS") != "1":
        return
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
    shot(page, "6-verify-form")
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
    shot(page, "7-verified")
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


# --- the callback form -------------------------------------------------------------------


@pytest.fixture
def late_wednesday(app, monkeypatch):
    """Wednesday 25 November 2026, 23:40 in Stockholm; Swedish office hours 8-17."""
    now = utc(2026, 11, 25, 23, 40)
    for module in (forms, routes, callbacks, hours):
        monkeypatch.setattr(module, "utcnow", lambda: now)
    app.config["BUSINESS_COUNTRY"] = "SE"
    with app.app_context():
        settings.put("business_hours", {"open": 8, "close": 17})
        db.session.commit()
    return now


def fill_callback(page, name="Anna Berg", phone="070 123 45 67", when=None) -> None:
    page.fill("#name", name)
    page.fill("#phone", phone)
    if when:
        page.check(f"input[name=when][value='{when}']")
    page.click("button[type=submit]")


def test_late_at_night_only_future_times_are_offered(app, live_server, axe_page, late_wednesday):
    """Item 3: at 23:40 "Today, morning" is not offered; we say when we will call."""
    page = axe_page
    page.goto(live_server.url + "/callback")
    labels = page.locator("fieldset label.choice").all_inner_texts()
    assert not any("Today" in label for label in labels), labels
    assert labels[0].strip() == "As soon as we open (tomorrow between 8 and 12)"
    assert labels[1].strip() == "Tomorrow, morning (8–12)"
    no_violations(page, "callback form at night")
    shot(page, "1-callback-form-at-night")
    fill_callback(page)
    page.wait_for_url("**/callback/done")
    assert "We are closed now; we will call you tomorrow between 8 and 12." in page.inner_text(
        "main"
    )
    assert "number 1 in the queue" not in page.inner_text("main")
    no_violations(page, "callback done at night")
    shot(page, "2-callback-done-at-night")
    with app.app_context():
        assert callbacks.due_callbacks(now=late_wednesday) == []  # nobody to call at 23:40


def test_errors_follow_the_govuk_pattern(app, live_server, axe_page):
    """Items 4 and 5: letters are refused; the summary takes focus and links to the field;
    the message is at the field (aria-invalid, aria-describedby); the typed text is kept."""
    page = axe_page
    page.goto(live_server.url + "/callback")
    fill_callback(page, phone="070 ABC 12 34")
    summary = page.locator("#errors")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'errors'")
    assert page.title().startswith("Error:")
    link = summary.locator("a[href='#phone']")
    assert "only digits" in link.inner_text()
    field = page.locator("#phone")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby").split()
    assert "phone-error" in described and "phone-hint" in described
    assert "only digits" in page.locator("#phone-error").inner_text()
    assert field.input_value() == "070 ABC 12 34"  # as typed
    assert page.locator("main").inner_text().count("only digits") == 2  # summary + field
    no_violations(page, "callback form with a phone error")
    shot(page, "3-callback-error")
    link.click()
    assert page.evaluate("document.activeElement.id") == "phone"
    with app.app_context():
        assert db.session.query(Customer).count() == 0


def test_a_repeat_request_is_good_news(app, live_server, axe_page):
    """Item 6: the same phone again shows the reference and when we call, once."""
    page = axe_page
    page.goto(live_server.url + "/callback")
    fill_callback(page)
    page.wait_for_url("**/callback/done")
    reference = page.locator(".reference").inner_text()
    page.goto(live_server.url + "/callback")
    fill_callback(page, name="Anna", phone="0701234567")
    main = page.locator("main").inner_text()
    assert "we already have your request" in main.lower()
    assert main.count(reference) == 1
    assert "Please check the form" not in main and "There is a problem" not in main
    assert main.count("We will call this number") == 1
    no_violations(page, "repeat request")
    shot(page, "4-callback-repeat")
    with app.app_context():
        assert db.session.query(Ticket).count() == 1


# --- item 9: our own error pages -----------------------------------------------------------


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        bypass_csp=True, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    yield page
    context.close()


def test_error_pages_are_bilingual_with_a_way_back(app, live_server, phone_page):
    page = phone_page
    response = page.goto(live_server.url + "/answers/no-such-answer")
    assert response.status == 404
    text = page.locator("main").inner_text()
    assert "We cannot find that page" in text and "Vi hittar inte sidan" in text
    assert page.locator("section[lang=sv]").count() == 1
    assert page.locator("a[href^='tel:+46']").count() == 2
    assert page.locator("a[href='/callback?lang=sv']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    no_violations(page, "404")
    shot(page, "8-not-found-on-a-phone")
    with app.app_context():
        db.session.add(
            Article(slug="old-answer", title="Old", problem="x", resolution="y", status="retracted")
        )
        db.session.commit()
    response = page.goto(live_server.url + "/answers/old-answer")
    assert response.status == 410  # withdrawn on purpose: gone, not "mistyped"
    no_violations(page, "410")


def test_the_500_and_410_pages_are_ours(app):
    with app.test_request_context("/"):
        body, status = errors.render_error(500)
        gone, gone_status = errors.render_error(410)
    assert status == 500
    assert "Something went wrong on our side" in body and "Något gick fel hos oss" in body
    assert 'name="viewport"' in body and "tel:" in body
    assert gone_status == 410 and "This page is no longer here" in gone


# --- item 13: small things that matter to these readers ------------------------------------

CONTRAST = """([fg, bg]) => {
  const lum = c => { const v = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(x => {
    x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def publish(app, title="Wifi drops every evening") -> str:
    with app.app_context():
        article = Article(
            slug="wifi-drops",
            title=title,
            problem="The wifi drops at night.",
            resolution="Change the channel.",
            category="internet",
            status="published",
            published_at=utcnow(),
        )
        db.session.add(article)
        db.session.commit()
        return article.slug


def test_one_answer_is_singular(app, live_server, page):
    publish(app)
    page.goto(live_server.url + "/search?q=wifi")
    assert "1 answer found" in page.locator("main").inner_text()
    page.goto(live_server.url + "/search?q=wifi&lang=sv")
    assert "1 svar hittades" in page.locator("main").inner_text()


def test_focus_is_visible_on_white_and_on_blue(app, live_server, page):
    page.goto(live_server.url + "/callback")
    for selector in ("a.brand", "button.primary", "#name"):
        page.focus(selector)
        style = page.eval_on_selector(
            selector,
            "e => { const s = getComputedStyle(e); return [s.outlineColor, s.outlineWidth, "
            "s.outlineStyle, s.outlineOffset, getComputedStyle(document.body).backgroundColor,"
            " s.backgroundColor]; }",
        )
        color, width, line, offset, page_bg, own_bg = style
        assert line == "solid" and float(width[:-2]) >= 2, selector
        assert page.evaluate(CONTRAST, [color, page_bg]) >= 3, (selector, color, page_bg)
        if selector == "button.primary":  # the ring sits off the blue button, on white
            assert float(offset[:-2]) >= 2
            assert page.evaluate(CONTRAST, [color, own_bg]) >= 1  # documented: gap is white


def test_links_are_at_least_24_px_tall(app, live_server, page):
    slug = publish(app)
    for path in (f"/answers/{slug}", "/", "/callback"):
        page.goto(live_server.url + path)
        heights = page.eval_on_selector_all(
            "main a, footer a",
            "els => els.map(e => [e.textContent.trim(), e.getBoundingClientRect().height])",
        )
        small = [(text, h) for text, h in heights if h < 24]
        assert small == [], (path, small)


def test_text_at_200_percent_reflows_without_sideways_scrolling(app, live_server, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True)
    page = context.new_page()
    try:
        for path in ("/", "/callback"):
            page.goto(live_server.url + path)
            page.add_style_tag(content="html { font-size: 225% !important; }")  # 200 % of ours
            width = page.evaluate("document.documentElement.scrollWidth")
            wide = page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => "
                "e.getBoundingClientRect().right > 321).map(e => e.tagName + '.' + e.className"
                " + ' ' + e.getBoundingClientRect().right).slice(0, 5)"
            )
            assert width <= 320, (path, width, wide)
    finally:
        context.close()


def test_agent_queue_fits_a_phone(app, live_server, phone_page, make_agent):
    make_agent()
    with app.app_context():
        for n in range(3):
            intake(
                InboundMessage(
                    channel="email",
                    sender_email=f"customer{n}@example.test",
                    subject="A rather long subject line about a broken television box " * 2,
                    body_text="Help",
                )
            )
        db.session.commit()
    page = phone_page
    page.goto(live_server.url + "/login")
    page.fill("input[name=email]", "agent@example.test")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url("**/agent/**")
    page.goto(live_server.url + "/agent/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    no_violations(page, "queue on a phone")


def test_the_email_path_as_the_customer_reads_it(app, live_server, page, mail_sink):
    """The acknowledgement a customer gets after writing to us, shown as a mail program would."""
    with app.app_context():
        intake(
            InboundMessage(
                channel="email",
                sender_email="karin@example.test",
                sender_name="Karin",
                subject="My TV has no sound",
                body_text="Please help",
                email_message_id="<k1@example.test>",
                acknowledge=True,
            )
        )
        db.session.commit()
    support.run_jobs(app)
    mail = mail_sink.last()
    page.set_content(
        "<main style='font: 18px/1.5 sans-serif; max-width: 40rem; margin: 1rem'>"
        f"<p><b>From:</b> {html.escape(mail['From'])}<br><b>Subject:</b> "
        f"{html.escape(mail['Subject'])}</p><pre style='white-space: pre-wrap'>"
        f"{html.escape(mail.get_content())}</pre></main>"
    )
    assert "What happens next" in page.inner_text("main")
    shot(page, "5-email-acknowledgement")


def test_new_agent_states_have_no_axe_violations(app, live_server, axe_page, make_agent):
    """The same-number hint, numbers found in mail, a failed call, and the hours settings."""
    make_agent(role="admin")
    with app.app_context():
        owner = intake(
            InboundMessage(channel="sms", body_text="Router", sender_phone="+46701234567")
        )
        mail = intake(
            InboundMessage(
                channel="email",
                sender_email="karin@example.test",
                subject="TV",
                body_text="Call me on 070-765 43 21",
            )
        )
        db.session.commit()
        hinted = callbacks.request_from_public_form(phone="+46701234567", name="Someone")
        db.session.commit()
        tickets = [owner.ticket.id, mail.ticket.id, hinted.ticket_id]
    page = axe_page
    page.goto(live_server.url + "/login")
    page.fill("input[name=email]", "agent@example.test")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url("**/agent/**")
    for ticket_id in tickets:
        page.goto(f"{live_server.url}/agent/tickets/{ticket_id}")
        no_violations(page, f"ticket {ticket_id}")
    assert "Same number as customer" in page.locator("main").inner_text()
    page.goto(live_server.url + "/agent/admin/settings")
    no_violations(page, "settings with opening days")
