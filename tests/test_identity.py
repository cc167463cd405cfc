"""Identity verification: codes only to contacts on file, never stored or logged in plain,
brute force and send limits, masking in the rendered agent page, and every way to answer."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import AuditEvent, Customer, Ticket, VerificationChallenge
from app.models.base import utcnow
from tests import support

PHONE = "+46701234567"
EMAIL = "anna.berg@example.test"


@pytest.fixture
def ticket_id(app):
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email",
                sender_email=EMAIL,
                sender_name="Anna Berg",
                subject="Change my address",
                body_text="Please",
            )
        )
        customer = result.ticket.customer
        customer.phone, customer.address, customer.account_number = (
            PHONE,
            "Storgatan 1",
            "AC-778812",
        )
        db.session.commit()
        return result.ticket.id


@pytest.fixture
def agent(app, client, make_agent):
    make_agent()
    support.login(client, "agent@example.test", "correct-horse-battery")
    return client


def _page(client, ticket_id) -> str:
    return client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)


def send_code(client, ticket_id, channel="sms", **extra):
    token = support.csrf_token(_page(client, ticket_id))
    return client.post(
        f"/agent/identity/tickets/{ticket_id}/challenge",
        data={"csrf_token": token, "channel": channel, **extra},
    )


def enter_code(client, ticket_id, code):
    token = support.csrf_token(_page(client, ticket_id))
    response = client.post(
        f"/agent/identity/tickets/{ticket_id}/check", data={"csrf_token": token, "code": code}
    )
    return client.get(response.headers["Location"]).get_data(as_text=True)


def sms_code(twilio_stub) -> str:
    return re.search(r"\b(\d{6})\b", twilio_stub.messages()[-1].value("Body")).group(1)


def _verified(app, ticket_id):
    with app.app_context():
        return db.session.get(Ticket, ticket_id).verified_level


def test_masking_holds_until_verified_and_returns_after_the_window(
    app, agent, ticket_id, twilio_stub
):
    page = _page(agent, ticket_id)
    for secret in (EMAIL, "Storgatan 1", "AC-778812", "701234567"):
        assert secret not in page
    assert "Not verified" in page
    send_code(agent, ticket_id)
    support.run_jobs(app)
    page = enter_code(agent, ticket_id, sms_code(twilio_stub))
    assert "Verified" in page
    for secret in (EMAIL, "Storgatan 1", "AC-778812", PHONE):
        assert secret in page
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent))]
        assert "identity.verified" in actions and "identity.disclosed" in actions
        ticket = db.session.get(Ticket, ticket_id)
        ticket.verified_until = utcnow() - timedelta(seconds=1)  # the window has passed
        db.session.commit()
    page = _page(agent, ticket_id)
    assert "Storgatan 1" not in page and EMAIL not in page and "Not verified" in page


def test_code_goes_only_to_the_contact_on_file(app, agent, ticket_id, twilio_stub):
    send_code(agent, ticket_id, channel="sms", to="+46709999999", phone="+46709999999")
    support.run_jobs(app)
    assert [m.value("To") for m in twilio_stub.messages()] == [PHONE]
    with app.app_context():
        db.session.get(Ticket, ticket_id).customer.email = None
        db.session.commit()
    response = send_code(agent, ticket_id, channel="email")
    assert "no such contact on file" in agent.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_codes_are_never_stored_or_logged_in_plain(app, agent, ticket_id, twilio_stub, caplog):
    caplog.set_level(logging.DEBUG)
    send_code(agent, ticket_id)
    support.run_jobs(app)
    code = sms_code(twilio_stub)
    enter_code(agent, ticket_id, code)
    assert code not in caplog.text
    with app.app_context():
        for table in (
            "verification_challenges",
            "outbox",
            "messages",
            "audit_events",
            "rate_events",
        ):
            dump = " ".join(str(row) for row in db.session.execute(text(f"SELECT * FROM {table}")))  # noqa: S608
            assert code not in dump, table


def test_five_wrong_codes_kill_the_challenge(app, agent, ticket_id, twilio_stub):
    send_code(agent, ticket_id)
    support.run_jobs(app)
    code = sms_code(twilio_stub)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(4):
        assert "not right" in enter_code(agent, ticket_id, wrong), attempt
    assert "no longer works" in enter_code(agent, ticket_id, wrong)
    assert "no valid code" in enter_code(agent, ticket_id, code)  # even the right one now
    assert _verified(app, ticket_id) is None


def test_expired_and_used_codes_fail(app, agent, ticket_id, twilio_stub):
    send_code(agent, ticket_id)
    support.run_jobs(app)
    code = sms_code(twilio_stub)
    with app.app_context():
        challenge = db.session.scalars(select(VerificationChallenge)).one()
        challenge.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert "no valid code" in enter_code(agent, ticket_id, code)
    send_code(agent, ticket_id)
    support.run_jobs(app)
    code = sms_code(twilio_stub)
    assert "Verified" in enter_code(agent, ticket_id, code)
    assert "no valid code" in enter_code(agent, ticket_id, code)  # single use


def test_sends_are_rate_limited_per_customer(app, agent, ticket_id):
    limit = app.config["OTP_SENDS_PER_HOUR"]
    for _ in range(limit):
        send_code(agent, ticket_id)
    page = agent.get(send_code(agent, ticket_id).headers["Location"]).get_data(as_text=True)
    assert f"At most {limit} codes per hour" in page
    with app.app_context():
        assert db.session.query(VerificationChallenge).count() == limit


def test_too_many_failures_lock_until_an_admin_unlocks(
    app, client, make_agent, ticket_id, twilio_stub
):
    app.config["OTP_MAX_FAILURES_BEFORE_LOCK"] = 3
    make_agent()
    make_agent("boss@example.test", role="admin")
    support.login(client, "agent@example.test", "correct-horse-battery")
    send_code(client, ticket_id)
    support.run_jobs(app)
    for _ in range(3):
        enter_code(client, ticket_id, "000000" if sms_code(twilio_stub) != "000000" else "111111")
    assert "An admin must unlock" in _page(client, ticket_id)
    admin = app.test_client()
    support.login(admin, "boss@example.test", "correct-horse-battery")
    page = admin.get("/agent/admin/identity").get_data(as_text=True)
    with app.app_context():
        customer_id = db.session.scalar(select(Customer.id))
    admin.post(
        f"/agent/admin/identity/unlock/{customer_id}", data={"csrf_token": support.csrf_token(page)}
    )
    assert "An admin must unlock" not in _page(client, ticket_id)


def test_a_recently_changed_number_does_not_verify_on_its_own(app, agent, ticket_id, twilio_stub):
    with app.app_context():
        db.session.get(Ticket, ticket_id).customer.phone_changed_at = utcnow() - timedelta(days=1)
        db.session.commit()
    page = _page(agent, ticket_id)
    assert "changed recently" in page
    send_code(agent, ticket_id)
    support.run_jobs(app)
    assert "does not prove who" in enter_code(agent, ticket_id, sms_code(twilio_stub))
    assert _verified(app, ticket_id) is None


def test_customer_replies_to_the_sms_with_the_code(app, agent, client, ticket_id, twilio_stub):
    send_code(agent, ticket_id)
    support.run_jobs(app)
    code = sms_code(twilio_stub)
    reply = support.twilio_post(
        app.test_client(),
        "/twilio/sms",
        {"From": PHONE, "Body": f" {code} ", "MessageSid": "SMcode1"},
    )
    assert "You are verified" in reply.get_data(as_text=True)
    assert _verified(app, ticket_id) == "phone"
    with app.app_context():
        assert db.session.query(VerificationChallenge).one().used_at is not None


def test_email_link_page_verifies_the_mailbox_only(app, agent, ticket_id, mail_sink):
    send_code(agent, ticket_id, channel="email")
    support.run_jobs(app)
    mail = mail_sink.last()
    assert mail["To"] == EMAIL
    body = mail.get_content()
    code = re.search(r"\b(\d{6})\b", body).group(1)
    path = re.search(r"https?://[^/\s]+(/verify/\S+)", body).group(1)
    customer = app.test_client()
    form = customer.get(path)
    assert (
        form.status_code == 200 and "<script" not in form.get_data(as_text=True).split("</main>")[0]
    )
    wrong = customer.post(
        path,
        data={
            "csrf_token": support.csrf_token(form.get_data(as_text=True)),
            "code": "000000" if code != "000000" else "111111",
        },
    )
    assert wrong.status_code == 400
    right = customer.post(
        path, data={"csrf_token": support.csrf_token(form.get_data(as_text=True)), "code": code}
    )
    assert right.status_code == 200 and "You are verified" in right.get_data(as_text=True)
    assert _verified(app, ticket_id) == "mailbox"
    page = _page(agent, ticket_id)
    assert EMAIL in page and "Storgatan 1" not in page  # a mailbox unlocks less than a phone
    again = customer.get(path)  # used: the customer is told it worked, not "no longer works"
    assert again.status_code == 200 and "You are verified" in again.get_data(as_text=True)


def test_private_actions_are_refused_and_audited_until_verified(app, agent, ticket_id):
    token = support.csrf_token(_page(agent, ticket_id))
    response = agent.post(
        f"/agent/identity/tickets/{ticket_id}/contact",
        data={"csrf_token": token, "phone": "0709999999"},
    )
    assert "Verify the customer" in agent.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).customer.phone == PHONE
        refused = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "identity.refused")
        )
        assert refused.detail == {"attempted": "change contact details"}


def test_evidence_is_shown_as_hints(app, agent, ticket_id):
    with app.app_context():
        intake(
            InboundMessage(
                channel="email",
                sender_email=EMAIL,
                subject="Re: [x]",
                body_text="hi",
                auth_results={"dmarc": "pass", "source": "verified"},
                references=[],
                in_reply_to=None,
            )
        )
        db.session.commit()
    page = _page(agent, ticket_id)
    assert "passed DMARC" in page or "DMARC" in page


def test_audit_page_is_for_admins(app, agent, client, make_agent, ticket_id):
    assert agent.get("/agent/admin/audit").status_code == 403
    make_agent("boss@example.test", role="admin")
    admin = app.test_client()
    support.login(admin, "boss@example.test", "correct-horse-battery")
    send_code(agent, ticket_id)
    page = admin.get("/agent/admin/audit?action=identity.").get_data(as_text=True)
    assert "identity.challenge_sent" in page


def test_code_by_automated_voice_call_to_a_landline(app, agent, ticket_id, twilio_stub):
    send_code(agent, ticket_id, channel="voice")
    support.run_jobs(app)
    [call] = twilio_stub.calls()
    assert call.value("To") == PHONE and call.value("Url") is None
    spoken = call.value("Twiml")
    digits = re.search(r"code is: ((?:\d, ){5}\d)", spoken).group(1).replace(", ", "")
    assert "Verified" in enter_code(agent, ticket_id, digits)
    assert _verified(app, ticket_id) == "phone"


def test_code_mail_in_swedish_says_the_configured_lifetime(app, agent, ticket_id, mail_sink):
    app.config["OTP_VALID_MINUTES"] = 7
    with app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.email == EMAIL))
        customer.language = "sv"
        db.session.commit()
    send_code(agent, ticket_id, channel="email")
    support.run_jobs(app)
    mail = mail_sink.last()
    body = mail.get_content()
    assert mail["Subject"] == "Din kod"
    assert "Den gäller i 7 minuter." in body and "10 minut" not in body
    assert "Skriv in den på den här sidan:" in body
