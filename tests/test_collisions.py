"""Collisions without lost work: a refused reply or note keeps the agent's text, shows what
is new, and one click sends it; the ticket page shows live who else is viewing or typing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Message, Ticket
from tests import support
from tests.test_agent_queue import _open

PASSWORD = "correct-horse-battery"


def _form_values(html: str, form_id: str) -> dict:
    form = html[html.index(f'id="{form_id}"') :]
    form = form[: form.index("</form>")]
    values = dict(re.findall(r'name="(version|seen_message_id)"[^>]*value="(\d+)"', form))
    values.update(
        {k: v for v, k in re.findall(r'value="(\d+)"[^>]*name="(version|seen_message_id)"', form)}
    )
    return values


def test_a_stale_reply_keeps_the_text_shows_new_messages_and_sends_anyway(
    app, logged_in, mail_sink
):
    client, _ = logged_in
    [ticket_id] = _open(app, 1, email="kund@example.test")
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    token = support.csrf_token(page)
    seen = _form_values(page, "reply-form")
    # Meanwhile the customer writes again.
    with app.app_context():
        intake(
            InboundMessage(
                channel="email",
                sender_email="kund@example.test",
                subject="Re: Problem 0 [" + db.session.get(Ticket, ticket_id).reference + "]",
                body_text="Actually it works now, thanks!",
            )
        )
        db.session.commit()
    response = client.post(
        f"/agent/tickets/{ticket_id}/reply",
        data={
            "csrf_token": token,
            "body": "Please restart the router.",
            "channel": "email",
            **seen,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="conflict"' in html
    assert "Please restart the router." in html  # the agent's text is kept
    conflict = html[html.index('id="conflict"') : html.index('id="reply-form"')]
    assert "Actually it works now, thanks!" in conflict  # what is new, above the text
    assert "Send anyway" in html
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.direction == "out")) is None
    # One click: the kept form carries the current version.
    again = _form_values(html, "reply-form")
    assert int(again["version"]) > int(seen["version"])
    response = client.post(
        f"/agent/tickets/{ticket_id}/reply",
        data={"csrf_token": token, "body": "Glad it works!", "channel": "email", **again},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Message.body_text).where(Message.direction == "out")) == (
            "Glad it works!"
        )


def test_a_stale_note_is_kept_too(app, logged_in):
    client, _ = logged_in
    [ticket_id] = _open(app)
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    token = support.csrf_token(page)
    seen = _form_values(page, "note-form")
    client.post(
        f"/agent/tickets/{ticket_id}/note", data={"csrf_token": token, "body": "first", **seen}
    )
    response = client.post(
        f"/agent/tickets/{ticket_id}/note",
        data={"csrf_token": token, "body": "My long careful note", **seen},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "My long careful note" in html
    assert "Your note was not saved yet" in html


def test_presence_endpoint_reports_viewing_and_typing(app, client, make_agent):
    [ticket_id] = _open(app)
    make_agent("one@example.test", name="Olle")
    make_agent("two@example.test", name="Tova")
    other = app.test_client()
    support.login(other, "two@example.test", PASSWORD)
    support.login(client, "one@example.test", PASSWORD)
    first = client.get(f"/agent/tickets/{ticket_id}/presence").get_json()
    assert "Olle" not in first["text"]  # never oneself
    other.get(f"/agent/tickets/{ticket_id}/presence?activity=typing")
    data = client.get(f"/agent/tickets/{ticket_id}/presence").get_json()
    assert data["text"] == "Tova is typing a reply."


@pytest.mark.browser
def test_presence_updates_live_in_the_browser(app, live_server, browser, make_agent):
    [ticket_id] = _open(app)
    make_agent("one@example.test", name="Olle")
    make_agent("two@example.test", name="Tova")
    pages = []
    for email in ("one@example.test", "two@example.test"):
        context = browser.new_context()
        page = context.new_page()
        page.goto(live_server.url + "/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/agent/**")
        page.goto(f"{live_server.url}/agent/tickets/{ticket_id}")
        pages.append(page)
    olle, tova = pages
    tova.fill("#reply-body", "Hej")  # typing
    # a locator, not wait_for_function: our CSP forbids the eval that a string needs
    olle.locator("#presence", has_text="Tova is typing").wait_for(
        timeout=45000  # one 10-second poll, with room for a loaded machine
    )
    for page in pages:
        page.context.close()
