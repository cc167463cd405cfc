"""Plain-language hints: scores, jargon, and the agent's "Check wording" (a hint, never a block)."""

from __future__ import annotations

from sqlalchemy import select

from app.domain import readability, settings
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Message, Ticket
from tests import support

PLAIN_EN = "Press the red button. Wait a minute. Then try to print again."
DENSE_EN = (
    "Subsequently, the configuration modifications necessitate comprehensive reinitialization "
    "of the administrative authentication infrastructure, notwithstanding organizational "
    "considerations regarding operational continuity and interoperability requirements."
)
PLAIN_SV = "Tryck på den röda knappen. Vänta en minut. Sedan kan du skriva ut igen."
DENSE_SV = (
    "Konfigurationsändringarna föranleder omfattande återinitialiseringsåtgärder beträffande "
    "autentiseringsinfrastrukturen, oaktat organisatoriska överväganden rörande driftskontinuitet."
)


def test_scores_tell_plain_from_dense_text_in_both_languages(ctx):
    assert readability.check(PLAIN_EN, "en").easy
    assert not readability.check(DENSE_EN, "en").easy
    assert readability.check(PLAIN_EN, "en").score > readability.check(DENSE_EN, "en").score
    assert readability.check(PLAIN_SV, "sv").easy
    dense = readability.check(DENSE_SV, "sv")
    assert not dense.easy and dense.score > readability.LIX_EASY


def test_jargon_words_are_listed_with_their_plain_alternative(ctx):
    hint = readability.check("Please reboot the router and utilize the new cable.", "en")
    assert ("reboot", "turn it off and on again") in hint.jargon
    assert ("utilize", "use") in hint.jargon
    assert not hint.easy
    assert readability.check("Starta om routern.", "sv").jargon == []
    assert readability.check("Du behöver verifiera kontot.", "sv").jargon == [
        ("verifiera", "bekräfta")
    ]


def test_admin_word_list_is_used(ctx):
    settings.put("plain_language_jargon", {"en": {"escalate": "pass on"}, "sv": {}})
    db.session.commit()
    assert readability.check("We will escalate this today.", "en").jargon == [
        ("escalate", "pass on")
    ]
    assert readability.check("Please reboot it.", "en").jargon == []


def _ticket(app, language: str = "en") -> int:
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email",
                sender_email="old@example.test",
                sender_name="Ann",
                subject="Printer",
                body_text="It does not print",
                language=language,
            )
        )
        db.session.commit()
        return result.ticket.id


def test_check_wording_shows_the_hint_keeps_the_draft_and_sends_nothing(app, logged_in):
    client, _ = logged_in
    ticket_id = _ticket(app)
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Check wording" in page
    with app.app_context():
        version = db.session.get(Ticket, ticket_id).version
    checked = client.post(
        f"/agent/tickets/{ticket_id}/reply/check",
        data={
            "csrf_token": support.csrf_token(page),
            "version": version,
            "body": "Please utilize the reboot function.",
            "channel": "email",
        },
    )
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "Please utilize the reboot function." in html  # the draft is kept
    assert "“utilize”" in html and "“use”" in html
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.direction == "out")) is None


def test_live_hint_endpoint_needs_login_and_csrf(app, logged_in):
    agent_client, _ = logged_in
    page = agent_client.get("/agent/").get_data(as_text=True)
    refused = agent_client.post("/agent/readability", json={"text": "x", "language": "en"})
    assert refused.status_code == 400  # no CSRF token
    answer = agent_client.post(
        "/agent/readability",
        json={"text": DENSE_EN, "language": "en"},
        headers={"X-CSRFToken": support.csrf_token(page)},
    )
    assert answer.status_code == 200 and answer.json["easy"] is False


def test_only_admins_edit_the_word_list(app, client, make_agent):
    make_agent("agent@example.test", role="agent")
    make_agent("boss@example.test", role="admin")
    support.login(client, "agent@example.test", "correct-horse-battery")
    assert client.get("/agent/admin/plain-language").status_code in (302, 403)
    client = app.test_client()
    support.login(client, "boss@example.test", "correct-horse-battery")
    page = client.get("/agent/admin/plain-language").get_data(as_text=True)
    assert "utilize = use" in page
    client.post(
        "/agent/admin/plain-language",
        data={"csrf_token": support.csrf_token(page), "sv": "bifoga = skicka med", "en": ""},
    )
    with app.app_context():
        assert settings.get("plain_language_jargon", fresh=True) == {
            "sv": {"bifoga": "skicka med"},
            "en": {},
        }
