"""Identity check by calling the number on file: we dial, the customer presses 1.

Real signed webhooks (twilio's RequestValidator) and the real twilio client against the local
stand-in. A spoofed caller ID cannot pass: the call goes to the number on file, never to a
number anyone typed or called from.
"""

from __future__ import annotations

from xml.etree import ElementTree

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Ticket, VerificationChallenge
from tests import support
from tests.test_identity import PHONE, _verified, agent, send_code, ticket_id  # noqa: F401


def _placed_call(app, twilio_stub, ticket_id):  # noqa: F811
    support.run_jobs(app)
    [call] = [r for r in twilio_stub.requests if r.path.endswith("/Calls.json")]
    with app.app_context():
        challenge = db.session.scalar(
            select(VerificationChallenge).where(VerificationChallenge.ticket_id == ticket_id)
        )
        return call, challenge.id


def test_callback_check_calls_the_number_on_file_and_verifies_on_1(
    app,
    agent,  # noqa: F811
    ticket_id,  # noqa: F811
    twilio_stub,
):
    send_code(agent, ticket_id, channel="callback")
    call, challenge_id = _placed_call(app, twilio_stub, ticket_id)
    assert call.value("To") == PHONE
    assert call.value("Url").endswith(f"/twilio/verify-call/{challenge_id}")
    assert call.value("MachineDetection") == "Enable"

    prompt = support.twilio_post(
        agent, f"/twilio/verify-call/{challenge_id}", {"CallSid": "CA1", "AnsweredBy": "human"}
    )
    xml = ElementTree.fromstring(prompt.data)  # noqa: S314 - our own TwiML
    gather = xml.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert gather.find("Say").get("language") in ("en-GB", "sv-SE")
    assert _verified(app, ticket_id) is None  # answering alone proves nothing

    pressed = support.twilio_post(
        agent,
        f"/twilio/verify-call/{challenge_id}/key",
        {"CallSid": "CA1", "Digits": "1", "To": PHONE},
    )
    assert pressed.status_code == 200 and b"<Hangup" in pressed.data
    assert _verified(app, ticket_id) == "callback"
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "callback verified" in page
    assert "Storgatan 1" in page  # the strongest level unlocks the address by default

    # A replayed (still validly signed) key press verifies nothing a second time.
    support.twilio_post(
        agent,
        f"/twilio/verify-call/{challenge_id}/key",
        {"CallSid": "CA1", "Digits": "1", "To": PHONE},
    )
    with app.app_context():
        verified = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "identity.verified")
        ).all()
        assert len(verified) == 1 and verified[0].detail["level"] == "callback"


def test_pressing_9_kills_the_check_and_warns_the_agent(
    app,
    agent,  # noqa: F811
    ticket_id,  # noqa: F811
    twilio_stub,
):
    send_code(agent, ticket_id, channel="callback")
    _, challenge_id = _placed_call(app, twilio_stub, ticket_id)
    support.twilio_post(
        agent, f"/twilio/verify-call/{challenge_id}/key", {"Digits": "9", "To": PHONE}
    )
    support.twilio_post(
        agent, f"/twilio/verify-call/{challenge_id}/key", {"Digits": "1", "To": PHONE}
    )
    assert _verified(app, ticket_id) is None
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "pressed 9" in page


def test_a_call_to_another_number_or_a_machine_verifies_nothing(
    app,
    agent,  # noqa: F811
    ticket_id,  # noqa: F811
    twilio_stub,
):
    send_code(agent, ticket_id, channel="callback")
    _, challenge_id = _placed_call(app, twilio_stub, ticket_id)
    machine = support.twilio_post(
        agent, f"/twilio/verify-call/{challenge_id}", {"AnsweredBy": "machine_start"}
    )
    assert b"<Gather" not in machine.data and b"<Hangup" in machine.data
    support.twilio_post(
        agent, f"/twilio/verify-call/{challenge_id}/key", {"Digits": "1", "To": "+46709999999"}
    )
    assert _verified(app, ticket_id) is None


def test_verify_call_webhooks_need_twilio_signature(app, agent, ticket_id):  # noqa: F811
    send_code(agent, ticket_id, channel="callback")
    with app.app_context():
        challenge_id = db.session.scalar(select(VerificationChallenge.id))
    for path in (f"/twilio/verify-call/{challenge_id}", f"/twilio/verify-call/{challenge_id}/key"):
        response = support.twilio_post(
            agent, path, {"Digits": "1", "To": PHONE}, signature="bm9wZQ=="
        )
        assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).verified_level is None
