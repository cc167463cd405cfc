"""The phone menu for landline callers: language, a menu that knows the caller (reading
nothing private), keypad callback windows, hearing the latest answer after a callback check,
a person while we are open, and no half-made state when nothing is pressed.

Every request is a signed webhook (twilio's RequestValidator); the TwiML is parsed as XML.
"""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from app.domain import settings
from app.domain.agents import upsert_agent
from app.domain.intake import InboundMessage, intake
from app.domain.replies import reply
from app.extensions import db
from app.models import Agent, CallbackRequest, Customer, Ticket, VerificationChallenge
from tests import support

SWEDE = "+46701234567"
BRIT = "+447911123456"


@pytest.fixture
def always_open(app):
    app.config["BUSINESS_COUNTRY"] = "none"
    with app.app_context():
        settings.put("business_hours", {"open": 0, "close": 24, "days": list(range(7))})
        db.session.commit()
    yield
    settings.clear_cache()


@pytest.fixture
def always_closed(app):
    app.config["BUSINESS_COUNTRY"] = "none"
    with app.app_context():
        settings.put("business_hours", {"open": 8, "close": 17, "days": []})
        db.session.commit()
    yield
    settings.clear_cache()


def _xml(response):
    assert response.status_code == 200, response.data
    return ElementTree.fromstring(response.data)  # noqa: S314 - our own TwiML


def _said(element) -> list[tuple[str, str]]:
    return [(s.get("language"), "".join(s.itertext())) for s in element.iter("Say")]


def call(client, path="/twilio/voice", phone=SWEDE, sid="CA1", **params):
    return _xml(support.twilio_post(client, path, {"From": phone, "CallSid": sid, **params}))


def _customer_with_ticket(app, *, answered: bool = False, language: str = "sv") -> int:
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="sms",
                sender_phone=SWEDE,
                body_text="Min faktura om skilsmässan är fel",
                external_sid="SM1",
                language=language,
            )
        )
        if answered:
            agent = upsert_agent("agent@example.test", "correct-horse-battery", role="agent")
            reply(
                result.ticket, db.session.get(Agent, agent.id), "Fakturan är rättad.", channel="sms"
            )
        db.session.commit()
        return result.ticket.id


def test_a_caller_from_abroad_hears_english_first_and_swedish_is_offered_in_swedish(
    app, client, always_open
):
    xml = call(client, phone=BRIT)
    said = _said(xml.find("Gather"))
    assert said[0][0] == "en-GB" and "Hello" in said[0][1]
    assert ("sv-SE", "För svenska, tryck 9.") in said
    assert xml.find("Gather").get("numDigits") == "1"

    swede = _said(call(client, phone=SWEDE, sid="CA2").find("Gather"))
    assert swede[0][0] == "sv-SE"
    assert ("en-GB", "To hear this in English, press 9.") in swede


def test_pressing_9_switches_language_and_remembers_it_for_the_customer(app, client, always_open):
    _customer_with_ticket(app)
    switched = call(client, "/twilio/voice/menu?lang=sv", Digits="9")
    target = switched.find("Redirect").text
    assert "lang=en" in target
    menu = support.twilio_post(client, target.replace("http://127.0.0.1:5000", ""), {"From": SWEDE})
    assert _said(_xml(menu).find("Gather"))[0][0] == "en-GB"
    with app.app_context():
        assert db.session.scalar(select(Customer.language)) == "en"


def test_a_known_caller_hears_that_we_have_the_case_but_nothing_private(app, client, always_open):
    _customer_with_ticket(app)
    spoken = " ".join(text for _, text in _said(call(client)))
    assert "Vi har din fråga från" in spoken
    assert "faktura" not in spoken.lower() and "skilsmässa" not in spoken.lower()
    assert (
        "tryck 1" in spoken.lower() and "tryck 3" not in spoken.lower()
    )  # nothing answered yet: no "hear our answer"


def test_keypad_callback_window_from_the_real_future_windows(app, client, always_open):
    menu = call(client, "/twilio/voice/menu?lang=sv", Digits="1")
    offer = " ".join(text for _, text in _said(menu)).lower()
    assert "tryck 1" in offer and "tryck 2" in offer
    action = menu.find("Gather").get("action").replace("http://127.0.0.1:5000", "")
    done = call(client, action, Digits="2")
    call(client, action, Digits="2")  # Twilio retried: still one request
    with app.app_context():
        [callback] = db.session.scalars(select(CallbackRequest)).all()
        assert callback.phone == SWEDE and callback.window.endswith(("_morning", "_afternoon"))
        assert callback.source == "voice"
    assert done.find("Hangup") is not None
    assert "Vi ringer dig" in " ".join(text for _, text in _said(done))


def test_nothing_pressed_twice_leaves_a_callback_and_a_withheld_number_a_goodbye(
    app, client, always_closed
):
    second = call(client, "/twilio/voice?attempt=2&lang=sv")
    target = second.find("Redirect").text.replace("http://127.0.0.1:5000", "")
    done = call(client, target)
    with app.app_context():
        [callback] = db.session.scalars(select(CallbackRequest)).all()
        assert callback.phone == SWEDE
    assert done.find("Hangup") is not None

    withheld = call(client, "/twilio/voice?attempt=2&lang=sv", phone="anonymous", sid="CA7")
    assert withheld.find("Hangup") is not None and withheld.find("Redirect") is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CallbackRequest)) == 1


def test_hearing_the_answer_needs_a_callback_check_to_the_number_on_file(
    app, client, always_open, twilio_stub
):
    ticket_id = _customer_with_ticket(app, answered=True)
    menu = " ".join(text for _, text in _said(call(client))).lower()
    assert "tryck 3" in menu
    # The caller ID may be spoofed: nothing is read to whoever rang; we ring the number on file.
    asked = call(client, "/twilio/voice/menu?lang=sv", Digits="3")
    assert asked.find("Hangup") is not None
    assert "Fakturan" not in "".join(asked.itertext())
    support.run_jobs(app)
    placed = twilio_stub.calls()[-1]
    assert placed.value("To") == SWEDE
    with app.app_context():
        challenge = db.session.scalar(select(VerificationChallenge))
        assert challenge.channel == "callback" and challenge.ticket_id == ticket_id
    heard = support.twilio_post(
        client, f"/twilio/verify-call/{challenge.id}/key", {"Digits": "1", "To": SWEDE}
    )
    assert "Fakturan är rättad." in "".join(_xml(heard).itertext())
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).verified_level == "callback"


def test_a_person_is_offered_only_while_we_are_open(app, client, always_open):
    with app.app_context():
        agent = upsert_agent("agent@example.test", "correct-horse-battery", role="agent")
        agent.phone = "+46705555555"
        db.session.commit()
    assert "tryck 0" in " ".join(t for _, t in _said(call(client))).lower()
    dial = call(client, "/twilio/voice/menu?lang=sv", Digits="0").find("Dial")
    assert [n.text for n in dial.iter("Number")] == ["+46705555555"]
    missed = call(
        client, dial.get("action").replace("http://127.0.0.1:5000", ""), DialCallStatus="no-answer"
    )
    assert missed.find("Redirect") is not None


def test_no_person_offered_when_closed(app, client, always_closed):
    with app.app_context():
        agent = upsert_agent("agent@example.test", "correct-horse-battery", role="agent")
        agent.phone = "+46705555555"
        db.session.commit()
    spoken = " ".join(t for _, t in _said(call(client))).lower()
    assert "tryck 1" in spoken and "tryck 0" not in spoken
    refused = call(client, "/twilio/voice/menu?lang=sv", Digits="0")
    assert refused.find("Dial") is None
