"""Issue 17 part 4 for voice-only customers: the resolution notice is an automated call in
their language, "press 1, 2 or 3" follows in the same call, the key goes to a signed webhook,
and the results count the voice channel. Also: key 4 in the phone menu while it is open."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

from sqlalchemy import select

from app.domain import hours, settings
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import AuditEvent, Message, OutboxItem, SatisfactionSurvey
from app.models.base import utcnow
from tests import support
from tests.test_phone import sms
from tests.test_surveys import _resolve
from tests.test_voice_reply import LANDLINE, _send_voice_reply, _voicemail_ticket

PASSWORD = "correct-horse-battery"
MOBILE = "+46701234567"


def _xml(response):
    assert response.status_code == 200, response.data
    return ElementTree.fromstring(response.data)  # noqa: S314 - our own TwiML


def _spoken(node) -> str:
    return " ".join("".join(s.itertext()) for s in node.iter("Say"))


def _boss(client, make_agent):
    make_agent("boss@example.test", role="admin", name="Boss Berg")
    support.login(client, "boss@example.test", PASSWORD)


def _resolved_call(app, client, twilio_stub, ticket_id: int) -> tuple[int, str]:
    """Resolve with "tell the customer", run the outbox: the id of the notice and the path
    Twilio fetches when the call is answered."""
    assert _resolve(app, client, ticket_id).status_code == 302
    support.run_jobs(app)
    [call] = twilio_stub.calls()
    with app.app_context():
        notice = db.session.scalar(
            select(Message).where(Message.meta["kind"].as_string() == "resolved_notice")
        )
        assert notice.channel == "voice" and notice.recipient == call.value("To")
        assert notice.delivery_status == "sent"
    path = call.value("Url").removeprefix(app.config["PUBLIC_BASE_URL"])
    assert path == f"/twilio/resolved-call/{notice.id}"
    assert call.value("MachineDetection") == "DetectMessageEnd"
    assert call.value("StatusCallback").endswith(f"/twilio/voice-reply/{notice.id}/status")
    return notice.id, path


def _survey(app) -> SatisfactionSurvey:
    with app.app_context():
        return db.session.scalar(select(SatisfactionSurvey))


def test_landline_customer_hears_the_notice_and_answers_with_a_key(
    app, client, make_agent, twilio_stub
):
    _boss(client, make_agent)
    ticket_id = _voicemail_ticket(app, language="sv")
    notice_id, path = _resolved_call(app, client, twilio_stub, ticket_id)
    assert twilio_stub.messages() == []  # a landline: no SMS notice
    answered = _xml(support.twilio_post(client, path, {"CallSid": "CA1", "AnsweredBy": "human"}))
    notice = answered.find("Say")  # the notice first, outside the question
    assert notice.get("language") == "sv-SE"
    assert "är löst" in _spoken(notice) and "H D" in _spoken(notice)
    gather = answered.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == f"/twilio/resolved-call/{notice_id}/key"
    assert "tryck 1" in _spoken(gather) and "tryck 3" in _spoken(gather)
    assert answered.find("Redirect").text == gather.get("action")  # silence: asked again
    with app.app_context():
        assert db.session.get(Message, notice_id).delivery_status == "answered"
    key = f"/twilio/resolved-call/{notice_id}/key"
    thanks = _xml(support.twilio_post(client, key, {"CallSid": "CA1", "Digits": "2"}))
    assert "Tack för ditt svar" in _spoken(thanks) and thanks.find("Hangup") is not None
    # Twilio retries the webhook (or a key is pressed again): the first answer stands.
    again = support.twilio_post(client, key, {"CallSid": "CA1", "Digits": "3"})
    assert "Tack för ditt svar" in again.get_data(as_text=True)
    survey = _survey(app)
    assert (survey.channel, survey.score, survey.answered_via) == ("voice", 2, "voice")
    with app.app_context():
        answers = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "survey.answered")
        ).all()
        assert [a.detail["via"] for a in answers] == ["voice"]
    results = client.get("/agent/admin/satisfaction").get_data(as_text=True)
    by_channel = results[results.index('id="by-channel"') :]
    by_channel = by_channel[: by_channel.index("</table>")]
    assert re.search(r"<th scope=\"row\">Phone call</th><td>1</td><td>1 \(100 %\)</td>", by_channel)
    assert "Boss Berg" in results


def test_a_wrong_key_is_asked_about_once_more_then_goodbye(app, client, make_agent, twilio_stub):
    _boss(client, make_agent)
    notice_id, path = _resolved_call(app, client, twilio_stub, _voicemail_ticket(app, "en"))
    key = f"/twilio/resolved-call/{notice_id}/key"
    first = _xml(support.twilio_post(client, key, {"CallSid": "CA2", "Digits": "7"}))
    gather = first.find("Gather")
    assert "that was not 1, 2 or 3" in _spoken(gather) and "press 1" in _spoken(gather)
    assert gather.find("Say").get("language") == "en-GB"
    assert gather.get("action") == f"{key}?again=1"
    second = _xml(support.twilio_post(client, f"{key}?again=1", {"CallSid": "CA2", "Digits": "9"}))
    assert second.find("Gather") is None and second.find("Hangup") is not None
    assert "Thank you for your time. Goodbye." in _spoken(second)
    silent = _xml(support.twilio_post(client, f"{key}?again=1", {"CallSid": "CA2"}))
    assert silent.find("Gather") is None  # pressing nothing twice ends politely too
    assert _survey(app).score is None


def test_resolution_call_webhooks_need_a_twilio_signature(app, client, make_agent, twilio_stub):
    _boss(client, make_agent)
    notice_id, path = _resolved_call(app, client, twilio_stub, _voicemail_ticket(app))
    key = f"/twilio/resolved-call/{notice_id}/key"
    forged = support.twilio_post(client, key, {"CallSid": "CA3", "Digits": "1"}, token="wrong")
    assert forged.status_code == 403
    unsigned = support.twilio_post(client, path, {"AnsweredBy": "human"}, signature="")
    assert unsigned.status_code == 403
    assert _survey(app).score is None
    with app.app_context():
        assert db.session.get(Message, notice_id).delivery_status == "sent"
        other = db.session.scalar(select(Message.id).where(Message.direction == "in"))
    # Only a resolution notice has a resolution call.
    assert support.twilio_post(client, f"/twilio/resolved-call/{other}", {}).status_code == 404


def test_an_answering_machine_gets_the_notice_without_the_question(
    app, client, make_agent, twilio_stub
):
    _boss(client, make_agent)
    notice_id, path = _resolved_call(app, client, twilio_stub, _voicemail_ticket(app, "en"))
    machine = {"CallSid": "CA4", "AnsweredBy": "machine_end_beep"}
    left = _xml(support.twilio_post(client, path, machine))
    assert left.find("Gather") is None and left.find("Hangup") is not None
    assert "is resolved" in _spoken(left) and "How did we do" not in _spoken(left)
    support.twilio_post(client, path, machine)  # retried: still one outcome
    support.run_jobs(app)
    assert twilio_stub.messages() == []  # no "we left you a message" text to a landline
    with app.app_context():
        assert db.session.get(Message, notice_id).delivery_status == "voicemail"
        outcomes = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reply.voice_outcome")
        ).all()
        assert len(outcomes) == 1


def test_no_answer_is_shown_and_the_customer_can_answer_from_the_phone_menu(
    app, client, make_agent, twilio_stub
):
    _boss(client, make_agent)
    ticket_id = _voicemail_ticket(app, "sv")
    notice_id, _path = _resolved_call(app, client, twilio_stub, ticket_id)
    support.twilio_post(
        client,
        f"/twilio/voice-reply/{notice_id}/status",
        {"CallSid": "CA5", "CallStatus": "no-answer"},
    )
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Nobody answered the call." in page
    # The customer calls us later: the menu offers the open question on key 4.
    caller = {"From": LANDLINE, "To": app.config["TWILIO_NUMBER"], "CallSid": "CA6"}
    menu = _xml(support.twilio_post(client, "/twilio/voice", caller))
    assert "tryck 4" in _spoken(menu).lower()
    asked = _xml(support.twilio_post(client, "/twilio/voice/menu", {**caller, "Digits": "4"}))
    survey_id = _survey(app).id
    gather = asked.find("Gather")
    assert gather.get("action") == f"/twilio/voice/survey/{survey_id}?lang=sv"
    assert "tryck 1" in _spoken(gather)
    key = gather.get("action")
    # Someone else's phone cannot answer this customer's question.
    stranger = {**caller, "From": "+46705550000", "Digits": "3"}
    support.twilio_post(client, key, stranger)
    assert _survey(app).score is None
    done = _xml(support.twilio_post(client, key, {**caller, "Digits": "1"}))
    assert "Tack för ditt svar" in _spoken(done)
    survey = _survey(app)
    assert (survey.score, survey.answered_via) == (1, "voice")
    # Answered: the menu no longer offers it, and its other choices are as before.
    again = _xml(support.twilio_post(client, "/twilio/voice", {**caller, "CallSid": "CA7"}))
    assert "tryck 4" not in _spoken(again).lower() and "tryck 2" in _spoken(again).lower()


def test_the_notice_channel_follows_how_we_can_reach_the_customer(
    app, client, make_agent, twilio_stub, mail_sink
):
    """A mobile caller is texted; a landline caller with email is mailed; a caller the agent
    answered by a call gets the notice by a call as well; a fixed line that texted is texted."""
    _boss(client, make_agent)

    def phoned(phone: str, email: str | None = None) -> int:
        with app.app_context():
            result = intake(
                InboundMessage(
                    channel="voice",
                    sender_phone=phone,
                    sender_email=email,
                    body_text="Voicemail (10 s): the TV is black",
                    subject="Voicemail",
                    external_sid=f"RE-{phone}",
                    language="en",
                    meta={"kind": "voicemail"},
                )
            )
            db.session.commit()
            return result.ticket.id

    mobile = phoned(MOBILE)
    _resolve(app, client, mobile)
    support.run_jobs(app)
    assert twilio_stub.calls() == [] and "is resolved" in twilio_stub.messages()[-1].value("Body")

    landline_with_mail = phoned("+4631123456", "kalle@example.test")
    _resolve(app, client, landline_with_mail)
    support.run_jobs(app)
    assert twilio_stub.calls() == [] and mail_sink.last()["To"] == "kalle@example.test"

    answered_by_call = phoned("+46709876543")
    _send_voice_reply(app, answered_by_call, "Starta om tv:n.")
    support.run_jobs(app)
    assert len(twilio_stub.calls()) == 1  # the reply read aloud
    _resolve(app, client, answered_by_call)
    support.run_jobs(app)
    assert (
        twilio_stub.calls()[-1]
        .value("Url")
        .endswith("/twilio/resolved-call/" + str(_notice_id(app, answered_by_call)))
    )
    # A fixed-line number that texted us (an SMS service for landlines) takes texts.
    sms(client, "Min tv är svart", sid="SM-fixed", phone="+4640123456")
    with app.app_context():
        texted = db.session.scalar(
            select(Message.ticket_id).where(Message.external_sid == "SM-fixed")
        )
    _resolve(app, client, texted)
    support.run_jobs(app)
    assert twilio_stub.messages()[-1].value("To") == "+4640123456"
    with app.app_context():
        channels = dict(
            db.session.execute(
                select(SatisfactionSurvey.ticket_id, SatisfactionSurvey.channel)
            ).all()
        )
    assert channels == {
        mobile: "sms",
        landline_with_mail: "email",
        answered_by_call: "voice",
        texted: "sms",
    }


def _notice_id(app, ticket_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Message.id).where(
                Message.ticket_id == ticket_id,
                Message.meta["kind"].as_string() == "resolved_notice",
            )
        )


def test_a_resolution_call_waits_for_opening_hours(app, client, make_agent, twilio_stub):
    """Resolved while we are closed: the call is placed when the next call window opens."""
    _boss(client, make_agent)
    ticket_id = _voicemail_ticket(app, "sv")
    with app.app_context():
        tomorrow = hours.to_local(utcnow()).date() + timedelta(days=1)
        settings.put("business_hours", {"open": 9, "close": 15, "days": [tomorrow.weekday()]})
        db.session.commit()
        opens = hours.to_utc(tomorrow, 9)
    assert _resolve(app, client, ticket_id).status_code == 302
    support.run_jobs(app)
    assert twilio_stub.calls() == []  # not at night
    with app.app_context():
        item = db.session.scalar(select(OutboxItem).where(OutboxItem.topic == "message.deliver"))
        assert abs((item.available_at - opens).total_seconds()) < 5
        assert db.session.get(Message, item.payload["message_id"]).delivery_status == "queued"
