"""Attacks from the outside test (issue 14), each reproduced against the running app.

Every test here failed on the code before its fix. They run in CI with the suite, on
SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import re
import threading

import pytest
import requests
from sqlalchemy import select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import AuditEvent
from tests import support

PHONE = "+46701234567"
EMAIL = "anna.berg@example.test"
PASSWORD = "correct-horse-battery"


def _csrf(html: str) -> str:
    return support.csrf_token(html)


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
        result.ticket.customer.phone = PHONE
        db.session.commit()
        return result.ticket.id


def _live_login(live_server, email="agent@example.test", password=PASSWORD) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{live_server.url}/login")
    response = http.post(
        f"{live_server.url}/login",
        data={"email": email, "password": password, "csrf_token": _csrf(page.text)},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return http


def _burst(count: int, send) -> list:
    """Run `send(i)` in `count` threads released at the same moment."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = send(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _sent_sms_code(app, twilio_stub) -> str:
    support.run_jobs(app)
    body = twilio_stub.messages()[-1].value("Body")
    return re.search(r"\b(\d{6})\b", body).group(1)


def _attempts(app) -> list[dict]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "identity.attempt")
        ).all()
        return [e.detail or {} for e in events]


# 1. The identity-code check is atomic --------------------------------------------------


def _start_code(app, live_server, make_agent, ticket_id, twilio_stub):
    make_agent()
    http = _live_login(live_server)
    page = http.get(f"{live_server.url}/agent/tickets/{ticket_id}")
    token = _csrf(page.text)
    sent = http.post(
        f"{live_server.url}/agent/identity/tickets/{ticket_id}/challenge",
        data={"csrf_token": token, "channel": "sms"},
        allow_redirects=False,
    )
    assert sent.status_code == 302
    return http, token, _sent_sms_code(app, twilio_stub)


def test_50_concurrent_code_checks_evaluate_at_most_five(
    app, live_server, make_agent, ticket_id, twilio_stub
):
    http, token, code = _start_code(app, live_server, make_agent, ticket_id, twilio_stub)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    url = f"{live_server.url}/agent/identity/tickets/{ticket_id}/check"
    cookies = http.cookies.get_dict()

    def send(i: int) -> int:
        guess = code if i == 49 else wrong
        data = {"csrf_token": token, "code": guess}
        return requests.post(url, data=data, cookies=cookies, allow_redirects=False).status_code

    assert all(status == 302 for status in _burst(50, send))
    evaluated = [d for d in _attempts(app) if d.get("result") in ("success", "wrong code")]
    assert len(evaluated) <= 5
    assert sorted(d["attempt"] for d in evaluated) == list(range(1, len(evaluated) + 1))


def test_concurrent_right_codes_succeed_exactly_once(
    app, live_server, make_agent, ticket_id, twilio_stub
):
    http, token, code = _start_code(app, live_server, make_agent, ticket_id, twilio_stub)
    url = f"{live_server.url}/agent/identity/tickets/{ticket_id}/check"
    cookies = http.cookies.get_dict()

    def send(i: int) -> int:
        data = {"csrf_token": token, "code": code}
        return requests.post(url, data=data, cookies=cookies, allow_redirects=False).status_code

    _burst(10, send)
    successes = [d for d in _attempts(app) if d.get("result") == "success"]
    assert len(successes) == 1


def test_40_concurrent_wrong_logins_check_at_most_the_limit(app, live_server, make_agent):
    make_agent()
    first = requests.Session()
    token = _csrf(first.get(f"{live_server.url}/login").text)
    cookies = first.cookies.get_dict()

    def send(i: int) -> int:
        data = {"email": "agent@example.test", "password": f"wrong-{i}", "csrf_token": token}
        return requests.post(
            f"{live_server.url}/login", data=data, cookies=cookies, allow_redirects=False
        ).status_code

    statuses = _burst(40, send)
    assert statuses.count(401) <= app.config["LOGIN_MAX_FAILURES"]
    assert statuses.count(429) >= 40 - app.config["LOGIN_MAX_FAILURES"]
    with app.app_context():
        checked = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "agent.login_failed")
        ).all()
        assert len(checked) <= app.config["LOGIN_MAX_FAILURES"]


# 4. A public form's text never becomes a mail header ----------------------------------


def _callback_form(client, **fields):
    page = client.get("/callback")
    data = {"name": "Anna Berg", "phone": "070-123 45 67", "when": "asap", "topic": ""}
    data.update(fields)
    return client.post("/callback", data={**data, "csrf_token": _csrf(page.text)})


def _reply_by_email(app, make_agent, ticket_id_: int, body: str = "Here is the answer."):
    from app.domain import replies
    from app.models import Agent, Ticket

    agent_id = make_agent()
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id_)
        ticket.customer.email = EMAIL
        message = replies.reply(ticket, db.session.get(Agent, agent_id), body, channel="email")
        db.session.commit()
        return message.id


def test_crlf_in_callback_topic_never_reaches_a_header(app, client, make_agent, mail_sink):
    from app.models import CallbackRequest, Message, Ticket

    topic = "My bill\r\nBcc: victim@example.test\r\n\r\nInjected body"
    assert _callback_form(client, topic=topic, name="Anna\r\nX-Evil: 1").status_code == 302
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        callback = db.session.scalars(select(CallbackRequest)).one()
        assert "\n" not in ticket.subject and "\r" not in ticket.subject
        assert ticket.subject == "My bill Bcc: victim@example.test Injected body"
        assert "\n" not in (callback.topic or "") and "\n" not in ticket.customer.name
        ticket_id_ = ticket.id
    message_id = _reply_by_email(app, make_agent, ticket_id_)
    support.run_jobs(app)
    with app.app_context():
        assert db.session.get(Message, message_id).delivery_status == "sent"
    sent = mail_sink.last()
    assert sent["Bcc"] is None
    assert "\n" not in str(sent["Subject"])
    assert [m["rcpt_tos"] for m in mail_sink.messages] == [[EMAIL]]


class _RefusingRelay:
    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        return "550 5.1.1 No such user"


def test_a_reply_that_cannot_be_sent_shows_as_failed(app, make_agent, ticket_id):
    from aiosmtpd.controller import Controller

    from app.models import Message

    relay = Controller(_RefusingRelay(), hostname="127.0.0.1", port=support.free_port())
    relay.start()
    try:
        app.config["SMTP_RELAY_PORT"] = relay.port
        message_id = _reply_by_email(app, make_agent, ticket_id)
        support.run_jobs(app)
    finally:
        relay.stop()
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.delivery_status == "failed"
        assert message.delivery_error


def test_a_reply_still_failing_after_every_retry_shows_as_failed(app, make_agent, ticket_id):
    from app.models import Message

    app.config["SMTP_RELAY_PORT"] = support.free_port()  # nothing listens: connection refused
    message_id = _reply_by_email(app, make_agent, ticket_id)
    for _ in range(4):
        support.run_jobs(app)
    with app.app_context():
        assert db.session.get(Message, message_id).delivery_status == "failed"
