"""End to end in a real browser (Debian chromium + Playwright) against a live server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Message, Ticket
from tests import support

pytestmark = pytest.mark.browser


def _log_in(page, live_server, email="agent@example.test", password="correct-horse-battery"):
    page.goto(live_server.url + "/agent/")
    assert "/login" in page.url  # not logged in: nothing but the login page
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/agent/**")


def test_agent_works_a_ticket_from_login_to_resolve(app, live_server, page, make_agent, mail_sink):
    make_agent()
    with app.app_context():
        for n, (subject, priority) in enumerate([("Printer is jammed", 1), ("No dial tone", 3)]):
            intake(
                InboundMessage(
                    channel="email",
                    sender_email=f"c{n}@example.test",
                    sender_name=f"Customer {n}",
                    subject=subject,
                    body_text="Please help",
                    priority=priority,
                )
            )
        db.session.commit()
    _log_in(page, live_server)
    top = page.locator("#tickets-heading ~ table tbody tr").first
    assert "No dial tone" in top.inner_text()  # the urgent one is on top
    top.locator("a").click()
    page.wait_for_selector("#reply-body")
    page.fill("#reply-body", "Please check the cable is plugged into the wall.")
    page.select_option("select[name=channel]", "email")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("text=Your reply is on its way.")
    page.fill("#note-body", "Customer is elderly; speak slowly.")
    page.click("text=Add note")
    page.wait_for_selector(".entry-note")
    page.fill("#resolve-summary", "The phone cable was unplugged; plugging it in fixed it.")
    page.click("#resolve-form button[type=submit]")
    page.wait_for_selector("text=Status changed.")
    assert page.console_errors == []  # no CSP violations, no script errors
    support.run_jobs(app)
    bodies = [m["message"].get_content() for m in mail_sink.messages]
    assert any("cable is plugged" in b for b in bodies)
    assert "We have resolved your request" in bodies[-1]  # the notice and survey (issue 17)
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.subject == "No dial tone"))
        assert ticket.status == "resolved"
        assert db.session.scalar(select(Message).where(Message.is_internal.is_(True))) is not None


def test_stale_reply_in_the_browser_is_refused(app, live_server, page, make_agent):
    make_agent()
    with app.app_context():
        intake(
            InboundMessage(
                channel="email", sender_email="c@example.test", subject="Heater", body_text="Cold"
            )
        )
        db.session.commit()
        ticket_id = db.session.scalar(select(Ticket.id))
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/agent/tickets/{ticket_id}")
    with app.app_context():  # a colleague changes the ticket while the page is open
        ticket = db.session.get(Ticket, ticket_id)
        ticket.priority = 3
        ticket.version += 1
        db.session.commit()
    page.fill("#reply-body", "An answer written against an old page")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("text=Someone else changed this ticket")
    with app.app_context():
        assert (
            db.session.scalar(select(Message).where(Message.body_text.like("An answer written%")))
            is None
        )


def test_keyboard_shortcuts_move_and_focus(app, live_server, page, make_agent):
    make_agent()
    with app.app_context():
        intake(
            InboundMessage(
                channel="email", sender_email="c@example.test", subject="One", body_text="x"
            )
        )
        db.session.commit()
    _log_in(page, live_server)
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent").startswith("HD-")
    page.keyboard.press("Enter")
    page.wait_for_selector("#reply-body")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-body"


def test_callback_form_in_the_browser(app, live_server, page):
    page.goto(live_server.url + "/callback?lang=sv")
    assert page.locator("h1").inner_text() == "Be oss ringa dig"
    page.fill("input[name=name]", "Anna Berg")
    page.fill("input[name=phone]", "070 123 45 67")
    page.check("input[name=when][value$=_morning] >> nth=0")  # the first morning still ahead
    page.click("button[type=submit]")
    page.wait_for_selector(".reference")
    assert page.locator(".reference").inner_text().startswith("HD-")
    assert page.console_errors == []
