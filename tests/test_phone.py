"""Phone and SMS: signed Twilio webhooks, the callback form, click-to-call with retries.

Webhooks are signed with twilio's own RequestValidator; outbound calls and SMS go through the
real twilio client to the local stand-in server (tests/twilio_stub.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from app.domain.agents import upsert_agent
from app.domain.replies import reply
from app.extensions import db
from app.models import Agent, Call, CallbackRequest, Customer, Message, Ticket, WebhookReceipt
from app.models.base import utcnow
from tests import support

PHONE = "+46701234567"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def sms(client, body: str, sid: str = "SM1", phone: str = PHONE, **kwargs):
    return support.twilio_post(
        client,
        "/twilio/sms",
        {"From": phone, "To": "+46850000000", "Body": body, "MessageSid": sid},
        **kwargs,
    )


# --- signatures -------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_unsigned_or_wrongly_signed_webhooks_get_403_and_store_nothing(app, client, signature):
    for path in ("/twilio/sms", "/twilio/voice", "/twilio/status", "/twilio/recording"):
        params = {"From": PHONE, "Body": "hello", "MessageSid": "SMx", "CallSid": "CAx"}
        response = support.twilio_post(client, path, params, signature=signature)
        assert response.status_code == 403, path
    assert _count(app, Message) == 0 and _count(app, Customer) == 0


def test_signature_made_with_another_token_is_refused(app, client):
    response = sms(client, "hello", token="not-our-token")
    assert response.status_code == 403
    assert _count(app, Ticket) == 0


def test_signature_over_the_public_url_is_what_counts_behind_a_proxy(app, client):
    app.config["PUBLIC_BASE_URL"] = "https://help.example.se"
    assert sms(client, "hello").status_code == 200  # signed over https://help.example.se/...

    internal = RequestValidator("test-auth-token").compute_signature(
        "http://localhost/twilio/sms", {"From": PHONE, "Body": "x", "MessageSid": "SM9"}
    )
    assert sms(client, "x", sid="SM9", signature=internal).status_code == 403


def test_replaying_an_old_signed_request_is_harmless(app, client):
    assert sms(client, "My heater is broken").status_code == 200
    assert sms(client, "My heater is broken").status_code == 200  # same MessageSid again
    assert _count(app, Message) == 1


# --- SMS --------------------------------------------------------------------------------


def test_an_sms_opens_a_ticket_and_the_next_one_threads(app, client):
    first = sms(client, "My heater is broken", sid="SM1")
    assert first.status_code == 200 and first.mimetype == "text/xml"
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.channel == "sms" and ticket.customer.phone == PHONE
        assert ticket.reference in first.get_data(as_text=True)
    second = sms(client, "Still broken", sid="SM2")
    assert "<Message>" not in second.get_data(as_text=True)  # no chatter on every text
    assert _count(app, Ticket) == 1 and _count(app, Message) == 2


def test_call_keyword_requests_a_callback_in_english_or_swedish(app, client):
    reply = sms(client, "call", sid="SM1").get_data(as_text=True)
    assert "We will call you today" in reply  # when, on the business clock (issue 13)
    reply = sms(client, "RING", sid="SM2", phone="+46701234568").get_data(as_text=True)
    assert "Vi ringer dig i dag" in reply or "We will call you today" in reply
    with app.app_context():
        callbacks = db.session.scalars(select(CallbackRequest)).all()
        assert [c.source for c in callbacks] == ["sms", "sms"]


def test_help_keyword_answers_with_instructions(client):
    assert "CALL" in sms(client, "HELP").get_data(as_text=True)


def test_stop_blocks_agent_sms_replies_and_shows_why(app, client, make_agent, twilio_stub):

    sms(client, "My heater is broken", sid="SM1")
    sms(client, "STOP", sid="SM2")
    agent_id = make_agent()
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.customer.sms_opted_out
        message = reply(ticket, db.session.get(Agent, agent_id), "Try this", channel="sms")
        db.session.commit()
        assert message.delivery_status == "blocked"
        assert "STOP" in message.delivery_error
        notes = [m.body_text for m in ticket.messages if m.channel == "system"]
        assert any("STOP" in n for n in notes)
    support.run_jobs(app)
    assert twilio_stub.messages() == []
    sms(client, "START", sid="SM3")
    with app.app_context():
        assert not db.session.scalars(select(Customer)).one().sms_opted_out


def test_agent_sms_reply_goes_out_through_twilio_and_records_delivery(
    app, client, make_agent, twilio_stub
):

    sms(client, "My heater is broken", sid="SM1")
    agent_id = make_agent()
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        message = reply(
            ticket, db.session.get(Agent, agent_id), "Turn the knob to 3", channel="sms"
        )
        db.session.commit()
        message_id = message.id
    support.run_jobs(app)
    [sent] = twilio_stub.messages()
    assert sent.value("To") == PHONE and sent.value("Body").startswith("Turn the knob to 3\n")
    assert "Call us: 08-500 000 00" in sent.value("Body")  # our number on every SMS
    assert sent.value("StatusCallback").endswith("/twilio/status")
    support.twilio_post(
        client, "/twilio/status", {"MessageSid": sent.sid, "MessageStatus": "delivered"}
    )
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.external_sid == sent.sid and message.delivery_status == "delivered"


# --- voice ------------------------------------------------------------------------------


def voice(client, path="/twilio/voice", **params):
    base = {"From": PHONE, "To": "+46850000000", "CallSid": "CA1"}
    return support.twilio_post(client, path, {**base, **params})


def test_voice_menu_speaks_and_offers_two_choices(app, client):
    body = voice(client).get_data(as_text=True)
    assert "<Gather" in body and 'numDigits="1"' in body
    assert "<Say" in body and "1" in body and "2" in body
    assert "/twilio/voice?attempt=2" in body  # no input: ask once more


def test_press_1_requests_a_callback_to_the_caller(app, client):
    body = voice(client, "/twilio/voice/menu", Digits="1").get_data(as_text=True)
    assert "/twilio/voice/window" in body  # then a window by keypad (tests/test_voice_menu.py)
    body = voice(client, "/twilio/voice/window?window=asap").get_data(as_text=True)
    assert "<Hangup" in body
    with app.app_context():
        callback = db.session.scalars(select(CallbackRequest)).one()
        assert callback.phone == PHONE and callback.source == "voice"


def test_no_input_twice_still_creates_a_callback(app, client):
    body = voice(client, "/twilio/voice?attempt=2").get_data(as_text=True)
    assert "/twilio/voice/window?lang=sv&amp;window=asap" in body
    voice(client, "/twilio/voice/window?lang=sv&window=asap")
    assert _count(app, CallbackRequest) == 1


def test_press_2_records_a_voicemail_that_lands_on_the_ticket(app, client):
    body = voice(client, "/twilio/voice/menu", Digits="2").get_data(as_text=True)
    assert "<Record" in body and "/twilio/recording" in body
    params = {
        "RecordingSid": "RE1",
        "RecordingUrl": "https://api.twilio.com/rec/RE1",
        "RecordingStatus": "completed",
        "RecordingDuration": "14",
    }
    voice(client, "/twilio/recording", **params)
    voice(client, "/twilio/recording", **params)  # Twilio retried
    voice(
        client,
        "/twilio/transcription",
        RecordingSid="RE1",
        TranscriptionStatus="completed",
        TranscriptionText="My heater is broken again",
    )
    with app.app_context():
        [message] = db.session.scalars(select(Message).where(Message.channel == "voice")).all()
        assert "My heater is broken again" in message.body_text
        assert message.meta["recording_url"].endswith("RE1")


# --- callback form ----------------------------------------------------------------------


def test_callback_form_works_without_javascript_and_confirms(app, client):
    page = client.get("/callback")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script" not in html.split("</main>")[0]
    response = client.post(
        "/callback",
        data={
            "csrf_token": support.csrf_token(html),
            "name": "Anna Berg",
            "phone": "070-123 45 67",
            "when": "asap",
            "topic": "Heater",
        },
    )
    assert response.status_code == 302
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        callback = db.session.scalars(select(CallbackRequest)).one()
        assert callback.phone == PHONE and callback.ticket.customer.name == "Anna Berg"
        assert callback.ticket.reference in done
    assert "we will call you" in done.lower()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "", "phone": "0701234567", "when": "asap"}, "Please write your name."),
        ({"name": "Anna", "phone": "12", "when": "asap"}, "does not look like a phone number"),
        ({"name": "Anna", "phone": "", "when": "asap"}, "Please write the number"),
        ({"name": "Anna", "phone": "0701234567", "when": "midnight"}, "That time has passed"),
    ],
)
def test_callback_form_errors_are_clear_and_store_nothing(app, client, fields, message):
    html = client.get("/callback").get_data(as_text=True)
    response = client.post("/callback", data={"csrf_token": support.csrf_token(html), **fields})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(app, CallbackRequest) == 0 and _count(app, Customer) == 0


def test_callback_form_without_csrf_token_is_refused(app, client):
    response = client.post("/callback", data={"name": "A", "phone": "0701234567", "when": "asap"})
    assert response.status_code == 400
    assert _count(app, CallbackRequest) == 0


def test_a_repeat_request_for_the_same_phone_is_not_queued_twice(app, client):
    limit = app.config["CALLBACK_LIMIT_PER_PHONE_PER_HOUR"]
    statuses = []
    for _ in range(limit + 1):
        html = client.get("/callback").get_data(as_text=True)
        statuses.append(
            client.post(
                "/callback",
                data={
                    "csrf_token": support.csrf_token(html),
                    "name": "Anna",
                    "phone": "0701234567",
                    "when": "asap",
                },
            ).status_code
        )
    assert statuses == [302] + [200] * limit  # the repeats are told "we already have it"
    assert _count(app, CallbackRequest) == 1


def test_swedish_form(client):
    html = client.get("/callback?lang=sv").get_data(as_text=True)
    assert 'lang="sv"' in html and "Be oss ringa dig" in html


# --- click-to-call ----------------------------------------------------------------------


@pytest.fixture
def callback_ticket(app, client):
    sms(client, "CALL", sid="SM1")
    with app.app_context():
        return db.session.scalars(select(Ticket)).one().id


def _call_now(app, client, ticket_id):
    page = client.get(f"/agent/tickets/{ticket_id}")
    return client.post(
        f"/agent/tickets/{ticket_id}/call",
        data={"csrf_token": support.csrf_token(page.get_data(as_text=True))},
    )


def test_click_to_call_rings_the_agent_then_dials_the_customer(
    app, client, make_agent, twilio_stub, callback_ticket
):

    make_agent()
    with app.app_context():
        upsert_agent("agent@example.test", "correct-horse-battery", phone="+46709999999")
        db.session.commit()
    support.login(client, "agent@example.test", "correct-horse-battery")
    assert _call_now(app, client, callback_ticket).status_code == 302
    support.run_jobs(app)
    [placed] = twilio_stub.calls()
    assert placed.value("To") == "+46709999999"  # the agent's phone first
    with app.app_context():
        call = db.session.scalars(select(Call)).one()
        assert call.call_sid == placed.sid
    twiml = support.twilio_post(client, f"/twilio/connect/{call.id}", {"CallSid": placed.sid})
    body = twiml.get_data(as_text=True)
    assert "<Number" in body and PHONE in body
    assert f'callerId="{app.config["TWILIO_NUMBER"]}"' in body
    support.twilio_post(
        client,
        f"/twilio/dial-result/{call.id}",
        {"CallSid": placed.sid, "DialCallStatus": "completed", "DialCallDuration": "95"},
    )
    with app.app_context():
        call = db.session.get(Call, call.id)
        assert call.status == "completed" and call.duration_seconds == 95
        assert db.session.scalars(select(CallbackRequest)).one().status == "completed"


def test_no_answer_retries_with_backoff_then_texts_the_customer(
    app, client, make_agent, twilio_stub, callback_ticket
):

    make_agent()
    with app.app_context():
        upsert_agent("agent@example.test", "correct-horse-battery", phone="+46709999999")
        db.session.commit()
    support.login(client, "agent@example.test", "correct-horse-battery")
    delays = []
    for _attempt in range(app.config["CALLBACK_MAX_ATTEMPTS"]):
        with app.app_context():  # the retry is due now (skip the wait)
            cb = db.session.scalars(select(CallbackRequest)).one()
            cb.next_attempt_at = None
            db.session.commit()
        _call_now(app, client, callback_ticket)
        support.run_jobs(app)
        with app.app_context():
            call = db.session.scalars(select(Call).order_by(Call.id.desc())).first()
        support.twilio_post(
            client,
            f"/twilio/dial-result/{call.id}",
            {"CallSid": call.call_sid, "DialCallStatus": "no-answer"},
        )
        with app.app_context():
            cb = db.session.scalars(select(CallbackRequest)).one()
            if cb.next_attempt_at:
                delays.append(round((cb.next_attempt_at - utcnow()).total_seconds() / 60))
    assert delays == app.config["CALLBACK_RETRY_MINUTES"][: len(delays)]
    assert len(delays) == app.config["CALLBACK_MAX_ATTEMPTS"] - 1
    with app.app_context():
        cb = db.session.scalars(select(CallbackRequest)).one()
        assert cb.status == "no_answer" and cb.attempts == app.config["CALLBACK_MAX_ATTEMPTS"]
    support.run_jobs(app)
    texts = [m.value("Body") for m in twilio_stub.messages()]
    assert any("reply CALL" in t.lower() or "Reply CALL" in t for t in texts)


def test_agent_without_own_phone_is_told_what_to_do(app, client, logged_in, callback_ticket):
    response = _call_now(app, client, callback_ticket)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Add your own phone number" in page
    assert _count(app, Call) == 0


def test_status_callbacks_are_idempotent(app, client):
    with app.app_context():
        db.session.add(Call(call_sid="CA9", direction="out", status="queued"))
        db.session.commit()
    for _ in range(2):
        support.twilio_post(client, "/twilio/status", {"CallSid": "CA9", "CallStatus": "ringing"})
    assert _count(app, WebhookReceipt) == 1


def test_due_callbacks_top_the_queue(app, client, logged_in):
    sms(client, "CALL", sid="SM1")
    with app.app_context():
        later = db.session.scalars(select(CallbackRequest)).one()
        later.window_start = utcnow() + timedelta(hours=5)
        db.session.commit()
    sms(client, "CALL", sid="SM2", phone="+46701234568")
    page = client.get("/agent/").get_data(as_text=True)
    due = page.split("Call back now")[1].split("Tickets")[0]
    assert due.count("data-row") == 1


def test_answering_machine_is_recorded_as_voicemail(app, client):
    with app.app_context():
        call = Call(call_sid="CA7", direction="out", status="in-progress")
        db.session.add(call)
        db.session.commit()
        call_id = call.id
    support.twilio_post(
        client, f"/twilio/amd/{call_id}", {"CallSid": "CA7", "AnsweredBy": "machine_end_beep"}
    )
    with app.app_context():
        call = db.session.get(Call, call_id)
        assert call.answered_by == "machine_end_beep" and call.outcome == "voicemail"
