"""Issue 13 over HTTP: letters in numbers, the public form and strangers' tickets, client
addresses behind a proxy and rate limits that stop a script but not a busy day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from app.domain.agents import upsert_agent
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import (
    Call,
    CallbackRequest,
    Customer,
    Message,
    OutboxItem,
    RateEvent,
    Ticket,
)
from app.models.base import utcnow
from tests import support

PHONE = "+46701234567"


def post_callback(client, phone="070 123 45 67", name="Anna Berg", headers=None, **extra):
    html = client.get("/callback", headers=headers or {}).get_data(as_text=True)
    data = {"csrf_token": support.csrf_token(html), "name": name, "phone": phone, "when": "asap"}
    return client.post("/callback", data={**data, **extra}, headers=headers or {})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_letters_in_a_phone_number_are_refused(app, client):
    response = post_callback(client, phone="070 ABC 12 34")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "A phone number has only digits" in html
    assert 'value="070 ABC 12 34"' in html  # kept as typed, not turned into 222
    assert count(app, Customer) == 0


def test_public_form_never_writes_into_a_strangers_ticket(app, client):
    """Item 7: a known number opens a new request, hinted "same number as", nothing changed."""
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="sms", body_text="My router", sender_phone=PHONE, continue_open_ticket=True
            )
        )
        db.session.commit()
        owner_id, their_ticket = result.ticket.customer_id, result.ticket.id
        their_reference = result.ticket.reference
    response = post_callback(client, name="Mallory", topic="Read me their address")
    assert response.status_code == 302
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert their_reference not in done
    with app.app_context():
        owner = db.session.get(Customer, owner_id)
        assert owner.name is None  # their empty name is not set from a public form
        assert db.session.query(Message).filter_by(ticket_id=their_ticket).count() == 1
        callback = db.session.scalars(select(CallbackRequest)).one()
        assert callback.ticket_id != their_ticket and callback.customer_id != owner_id
        assert callback.phone == PHONE and callback.ticket.customer.phone is None
        assert callback.ticket.customer.name == "Mallory"
    agent = app.test_client()
    support.login(agent, *_agent(app))
    page = agent.get(f"/agent/tickets/{callback.ticket_id}").get_data(as_text=True)
    assert "Same number as customer" in page and their_reference in page
    assert "A hint only" in page


def _agent(app):
    with app.app_context():
        upsert_agent("agent@example.test", "correct-horse-battery")
        db.session.commit()
    return "agent@example.test", "correct-horse-battery"


def test_client_address_comes_from_the_trusted_proxy(app, client):
    """Item 1: behind nginx every request came from 127.0.0.1 and ten people used up the
    hour; with TRUSTED_PROXY_COUNT=1 each customer has their own address."""
    config = dict(app.config, TRUSTED_PROXY_COUNT=1)
    proxied = create_app(config)
    proxied.test_client_class = support.IsolatedClient
    proxied_client = proxied.test_client()
    for n in range(12):
        response = post_callback(
            proxied_client,
            phone=f"070 123 45 {n:02d}",
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        assert response.status_code == 302, n
    assert count(app, CallbackRequest) == 12


def test_without_a_proxy_x_forwarded_for_is_ignored(app, client):
    """A script cannot pick a fresh address per request when no proxy is configured."""
    statuses = [
        post_callback(
            client, phone=f"070 123 45 {n:02d}", headers={"X-Forwarded-For": f"198.51.100.{n}"}
        ).status_code
        for n in range(7)
    ]
    assert statuses == [302] * 5 + [429] * 2  # a burst from one address


def test_a_busy_day_at_one_address_is_fine_but_a_script_is_stopped(app, client):
    """Forty people at a library over an hour pass; a sixth request within a minute waits."""
    with app.app_context():
        start = utcnow() - timedelta(minutes=59)
        for n in range(40):  # forty earlier customers at this address, spread over the hour
            db.session.add(
                RateEvent(key="callback-ip:127.0.0.1", at=start + timedelta(seconds=85 * n))
            )
        db.session.commit()
    assert post_callback(client, phone="070 123 45 01").status_code == 302
    statuses = [post_callback(client, phone=f"070 123 45 {n:02d}").status_code for n in range(2, 8)]
    assert statuses == [302] * 4 + [429] * 2
    busy = post_callback(client, phone="070 123 45 99")
    assert busy.status_code == 429 and busy.headers["Retry-After"]
    text = busy.get_data(as_text=True)
    assert "We already have your request" not in text and "tel:" in text
    assert count(app, Ticket) == 5


# --- item 11: SMS keywords as people type them ---------------------------------------------


def sms(client, body: str, sid: str):
    return support.twilio_post(
        client,
        "/twilio/sms",
        {"From": PHONE, "To": "+46850000000", "Body": body, "MessageSid": sid},
    )


def _known_customer(app, language="sv") -> int:
    with app.app_context():
        customer = Customer(phone=PHONE, name="Anna", language=language)
        db.session.add(customer)
        db.session.commit()
        return customer.id


@pytest.mark.parametrize("body", ["STOPP", "Stopp.", " stopp! ", "Avsluta", "SLUTA 🙏", "stop"])
def test_swedish_and_english_stop_words_opt_out(app, client, body):
    customer_id = _known_customer(app)
    response = sms(client, body, "SMstop1")
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        assert customer.sms_opted_out is True
        assert db.session.query(Ticket).count() == 0  # not filed as a message
    if body.strip(" .!🙏").upper() != "STOP":
        assert "inga fler sms" in response.get_data(as_text=True)  # we confirm Swedish words


@pytest.mark.parametrize(
    ("body", "expected"),
    [("Hjälp?", "Skicka RING"), ("HJALP", "Skicka RING"), ("help!", "Send CALL")],
)
def test_help_words_with_punctuation(app, client, body, expected):
    _known_customer(app, language="sv" if "Skicka" in expected else "en")
    assert expected in sms(client, body, "SMhelp1").get_data(as_text=True)


@pytest.mark.parametrize("body", ["Ring mig!", "ring.", "RING UPP", "Call me, please"])
def test_call_words_request_a_callback(app, client, body):
    _known_customer(app)
    response = sms(client, body, "SMcall1")
    with app.app_context():
        assert db.session.query(CallbackRequest).count() == (0 if "please" in body else 1)
    if "please" not in body:
        assert "Vi ringer dig" in response.get_data(as_text=True)


def test_start_after_stopp(app, client):
    customer_id = _known_customer(app)
    sms(client, "Stopp", "SMa")
    sms(client, "Start.", "SMb")
    with app.app_context():
        assert db.session.get(Customer, customer_id).sms_opted_out is False


# --- item 12: the agent's view ---------------------------------------------------------------


def test_agent_view_uses_the_business_clock_and_explains_failed_calls(app, client):
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email", sender_email="b@example.test", subject="TV", body_text="x"
            )
        )
        ticket = result.ticket
        ticket.created_at = datetime(2026, 11, 25, 22, 14)  # 23:14 in Stockholm
        call = Call(ticket_id=ticket.id, direction="out", to_number=PHONE, status="queued")
        db.session.add(call)
        db.session.flush()
        db.session.add(
            OutboxItem(
                topic="call.place",
                payload={"call_id": call.id},
                failed=True,
                last_error="TwilioRestException: HTTP 401",
            )
        )
        db.session.commit()
        ticket_id = ticket.id
    support.login(client, *_agent(app))
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "2026-11-25 23:14" in page and "UTC" not in page
    assert "The call could not be placed." in page and "Call now again" in page
    assert "Status: queued" not in page
    facts = page.split('id="customer-heading"')[1].split("</dl>")[0]
    phone = facts.split("<dt>Phone</dt>")[1].split("</dd>")[0]
    assert "Not on file" in phone and "•••" not in phone  # no phone: nothing to mask


# --- items 8 and 10: every mail and SMS says how to reach us; promises we can keep ----------


def _email_ticket(app, body="Please call me on 070-765 43 21 after lunch.") -> int:
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email",
                sender_email="karin@example.test",
                sender_name="Karin",
                subject="My TV",
                body_text=body,
                email_message_id="<k1@example.test>",
                acknowledge=True,
            )
        )
        db.session.commit()
        return result.ticket.id


def test_acknowledgement_says_what_happens_next_with_our_number(app, mail_sink):
    _email_ticket(app)
    support.run_jobs(app)
    body = mail_sink.last().get_content()
    assert "What happens next" in body
    assert "08-500 000 00" in body and "Monday to Sunday 0–24" in body
    assert "6-digit code" in body and "never ask for your password" in body
    assert "Call us: 08-500 000 00" in body  # the footer every mail carries


def test_a_number_in_a_mail_is_offered_to_the_agent(app, client, twilio_stub):
    ticket_id = _email_ticket(app)
    email, password = _agent(app)
    with app.app_context():
        upsert_agent(email, password, phone="+46709999999")
        db.session.commit()
    support.login(client, email, password)
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "070-765 43 21" in page and "Call this number" in page and "Save as phone" in page
    token = support.csrf_token(page)
    stranger = client.post(
        f"/agent/tickets/{ticket_id}/call", data={"csrf_token": token, "number": "+46701111111"}
    )
    assert stranger.status_code == 302 and count(app, Call) == 0  # only numbers from the mail
    client.post(
        f"/agent/tickets/{ticket_id}/call", data={"csrf_token": token, "number": "+46707654321"}
    )
    with app.app_context():
        assert db.session.scalars(select(Call)).one().to_number == "+46707654321"
    client.post(
        f"/agent/identity/tickets/{ticket_id}/contact",
        data={"csrf_token": token, "phone": "+46707654321"},
    )
    with app.app_context():  # saving needs the identity check first
        assert db.session.get(Ticket, ticket_id).customer.phone is None
    follow = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Verify the customer" in follow


def test_code_sms_wording_is_true_for_each_way_of_answering(app, client, twilio_stub):
    with app.app_context():
        result = intake(
            InboundMessage(channel="sms", body_text="Hi", sender_phone=PHONE, external_sid="SMx")
        )
        db.session.commit()
        ticket_id, reference = result.ticket.id, result.ticket.reference
    support.login(client, *_agent(app))
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    client.post(
        f"/agent/identity/tickets/{ticket_id}/challenge",
        data={"csrf_token": support.csrf_token(page), "channel": "sms"},
    )
    support.run_jobs(app)
    text = twilio_stub.messages()[-1].value("Body")
    assert "calls you" not in text  # agents do ask for it on the phone
    assert f"Read it to the person helping you with {reference}" in text
    assert "reply to this text" in text and "Call us: 08-500 000 00" in text
