"""Attacks from the outside test (issue 14), each reproduced against the running app.

Every test here failed on the code before its fix. They run in CI with the suite, on
SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import datetime
import importlib.util
import io
import logging
import re
import smtplib
import socket
import threading
import time
import tracemalloc
from datetime import timedelta
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import gunicorn.config
import pyotp
import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from app.adapters import smtp as smtp_adapter
from app.domain import replies
from app.domain import two_factor as two_factor_domain
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import (
    Agent,
    AgentSession,
    Article,
    Attachment,
    AuditEvent,
    Call,
    CallbackRequest,
    Customer,
    Message,
    OutboxItem,
    PasskeyCredential,
    RecoveryCode,
    Setting,
    Ticket,
)
from app.models.base import utcnow
from inbound import authentication
from inbound.parse import MAX_MESSAGE_NESTING, parse_email
from inbound.server import HelpdeskController
from tests import support
from tests.email_support import build_mail, send

ROOT = Path(__file__).resolve().parent.parent
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

    agent_id = make_agent()
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id_)
        ticket.customer.email = EMAIL
        message = replies.reply(ticket, db.session.get(Agent, agent_id), body, channel="email")
        db.session.commit()
        return message.id


def test_crlf_in_callback_topic_never_reaches_a_header(app, client, make_agent, mail_sink):

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

    relay = Controller(_RefusingRelay(), hostname="127.0.0.1", port=support.free_port())
    relay.start()
    try:
        smtp_adapter.close()  # the adapter keeps a connection per thread: to the sink until now
        app.config["SMTP_RELAY_PORT"] = relay.port
        message_id = _reply_by_email(app, make_agent, ticket_id)
        support.run_jobs(app)
    finally:
        smtp_adapter.close()
        relay.stop()
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.delivery_status == "failed"
        assert message.delivery_error


def test_a_reply_still_failing_after_every_retry_shows_as_failed(app, make_agent, ticket_id):

    smtp_adapter.close()  # the adapter keeps a connection per thread: to the sink until now
    app.config["SMTP_RELAY_PORT"] = support.free_port()  # nothing listens: connection refused
    message_id = _reply_by_email(app, make_agent, ticket_id)
    for _ in range(4):
        support.run_jobs(app)
    with app.app_context():
        assert db.session.get(Message, message_id).delivery_status == "failed"


# 7. Webhook odds and ends ------------------------------------------------------------


def _voice(client, path, **params):
    base = {"From": PHONE, "To": "+46850000000", "CallSid": "CA77"}
    return support.twilio_post(client, path, {**base, **params})


def test_replayed_press_1_after_the_callback_completed_queues_nothing(app, client, twilio_stub):

    assert _voice(client, "/twilio/voice/window", Digits="").status_code == 200
    with app.app_context():
        callback = db.session.scalars(select(CallbackRequest)).one()
        callback.status = "completed"
        db.session.commit()
    replay = _voice(client, "/twilio/voice/window", Digits="")
    assert replay.status_code == 200 and "<Hangup" in replay.text
    with app.app_context():
        assert len(db.session.scalars(select(CallbackRequest)).all()) == 1
        confirms = db.session.scalars(
            select(OutboxItem).where(OutboxItem.topic == "callback.confirm")
        ).all()
        assert len(confirms) == 1


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "http://api.twilio.com/2010-04-01/Recordings/RE1",
        "https://evil.example/RE1",
        "https://api.twilio.com.evil.example/RE1",
        "https://user@api.twilio.com/RE1",
    ],
)
def test_recording_url_is_kept_only_on_twilios_https_host(app, client, make_agent, url):

    _voice(
        client,
        "/twilio/recording",
        RecordingSid="RE9",
        RecordingUrl=url,
        RecordingStatus="completed",
        RecordingDuration="12",
    )
    with app.app_context():
        message = db.session.scalars(select(Message).where(Message.channel == "voice")).one()
        assert message.meta["recording_url"] is None
        ticket_id_ = message.ticket_id
    make_agent()
    support.login(client, "agent@example.test", PASSWORD)
    page = client.get(f"/agent/tickets/{ticket_id_}").text
    assert url not in page and "javascript:" not in page


def test_twilio_recording_url_is_kept(app, client):

    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE9"
    _voice(client, "/twilio/recording", RecordingSid="RE9", RecordingUrl=url)
    with app.app_context():
        message = db.session.scalars(select(Message).where(Message.channel == "voice")).one()
        assert message.meta["recording_url"] == url


def test_non_numeric_durations_are_not_a_500(app, client):

    with app.app_context():
        call = Call(call_sid="CA5", direction="out", to_number=PHONE, status="ringing")
        db.session.add(call)
        db.session.commit()
        call_id = call.id
    response = support.twilio_post(
        client,
        f"/twilio/dial-result/{call_id}",
        {"CallSid": "CA5", "DialCallStatus": "completed", "DialCallDuration": "x"},
    )
    assert response.status_code == 200
    status = support.twilio_post(
        client,
        "/twilio/status",
        {"CallSid": "CA5", "CallStatus": "completed", "CallDuration": "1e9"},
    )
    assert status.status_code == 204
    with app.app_context():
        call = db.session.get(Call, call_id)
        assert call.status == "completed" and call.duration_seconds is None


def test_huge_transcription_is_capped(app, client):

    _voice(client, "/twilio/recording", RecordingSid="RE3", RecordingDuration="30")
    _voice(
        client,
        "/twilio/transcription",
        RecordingSid="RE3",
        TranscriptionStatus="completed",
        TranscriptionText="word " * 40_000,  # 200 KB
    )
    with app.app_context():
        message = db.session.scalars(select(Message).where(Message.channel == "voice")).one()
        assert len(message.body_text) < 6_000


def test_huge_signed_sms_is_refused_before_parsing(app, client):
    response = support.twilio_post(
        client,
        "/twilio/sms",
        {"From": PHONE, "To": "+46850000000", "Body": "A" * 3_000_000, "MessageSid": "SM3"},
    )
    assert response.status_code == 413

    with app.app_context():
        assert db.session.scalars(select(Message)).all() == []


def test_20_mb_login_post_is_refused_before_parsing(live_server):
    body = b"email=a%40b.test&password=" + b"x" * (20 * 1024 * 1024)
    response = requests.post(
        f"{live_server.url}/login",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


# 9. Small leaks ------------------------------------------------------------------------


def test_verify_link_token_is_not_in_the_access_log(live_server):

    [ours] = [h for h in logging.getLogger().handlers if getattr(h, "_helpdesk", False)]
    captured = io.StringIO()
    previous = ours.setStream(captured)
    try:
        token = "Zq9sSECRETlinkTOKEN_0123456789abcdef"
        requests.get(f"{live_server.url}/verify/{token}")
        requests.get(f"{live_server.url}/healthz")  # the log line of the first has been written
    finally:
        ours.setStream(previous)
    log = captured.getvalue()
    assert "/verify/[token]" in log
    assert token not in log


def test_gunicorn_access_log_scrubs_the_token():

    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    logger = module.logger_class(gunicorn.config.Config())
    path = "/verify/Zq9sSECRETlinkTOKEN"
    response = SimpleNamespace(status="410 GONE", headers=[], sent=10, response_length=10)
    request_ = SimpleNamespace(headers=[])
    environ = {
        "REMOTE_ADDR": "10.0.0.1",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_METHOD": "GET",
    }
    atoms = logger.atoms(response, request_, environ, datetime.timedelta(seconds=0.01))
    line = " ".join(str(value) for value in atoms.values())
    assert "SECRET" not in line and "/verify/[token]" in line


def test_metrics_are_not_public(app, client):
    assert client.get("/metrics").status_code == 404  # no token configured: no metrics
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert right.status_code == 200 and "helpdesk_" in right.text


def test_contact_change_to_another_customers_email_is_a_clear_error(
    app, client, make_agent, ticket_id
):

    with app.app_context():
        db.session.add(Customer(name="Other", email="other@example.test", phone="+46709876543"))
        ticket = db.session.get(Ticket, ticket_id)
        ticket.verified_until, ticket.verified_level = utcnow() + timedelta(minutes=30), "phone"
        db.session.commit()
    make_agent()
    support.login(client, "agent@example.test", PASSWORD)
    for field, value in (("email", "Other@Example.test"), ("phone", "070-987 65 43")):
        page = client.get(f"/agent/tickets/{ticket_id}")
        response = client.post(
            f"/agent/identity/tickets/{ticket_id}/contact",
            data={"csrf_token": _csrf(page.text), field: value},
        )
        assert response.status_code == 302
        shown = client.get(response.headers["Location"]).text
        assert "belongs to another customer" in shown
    with app.app_context():
        customer = db.session.get(Ticket, ticket_id).customer
        assert (customer.email, customer.phone) == (EMAIL, PHONE)


def test_bare_six_digits_after_a_code_are_never_shown_to_agents(
    app, client, make_agent, ticket_id, twilio_stub
):

    make_agent()
    support.login(client, "agent@example.test", PASSWORD)
    page = client.get(f"/agent/tickets/{ticket_id}")
    client.post(
        f"/agent/identity/tickets/{ticket_id}/challenge",
        data={"csrf_token": _csrf(page.text), "channel": "sms"},
    )
    code = _sent_sms_code(app, twilio_stub)
    sms = {"From": PHONE, "To": "+46850000000"}
    first = support.twilio_post(client, "/twilio/sms", {**sms, "Body": code, "MessageSid": "SM1"})
    assert "verified" in first.text
    late = support.twilio_post(
        client, "/twilio/sms", {**sms, "Body": "123456", "MessageSid": "SM2"}
    )
    assert "no longer works" in late.text
    with app.app_context():
        bodies = [m.body_text for m in db.session.scalars(select(Message)).all()]
        assert not any("123456" in (b or "") or code in (b or "") for b in bodies)


# 6. Trusted-relay mode reads every result our MTA wrote, topmost first ------------------

OUR_ID = "mx.helpdesk.test"


def test_trusted_relay_keeps_a_dmarc_fail_from_a_second_header():

    verdicts = authentication.from_trusted_header(
        [f"{OUR_ID}; dkim=none", f"{OUR_ID}; dmarc=fail header.from=example.test"], OUR_ID
    )
    assert (verdicts.dkim, verdicts.dmarc, verdicts.source) == ("none", "fail", "trusted-relay")
    assert verdicts.spoof_suspected


def test_a_later_header_never_overrides_the_topmost_result():

    verdicts = authentication.from_trusted_header(
        [
            f"{OUR_ID}; dkim=none; dmarc=fail header.from=example.test",
            f"{OUR_ID}; dkim=pass header.d=example.test; dmarc=pass header.from=example.test",
        ],
        OUR_ID,
    )
    assert (verdicts.dkim, verdicts.dmarc) == ("none", "fail")


def test_results_forged_below_the_senders_hop_are_ignored_over_smtp(app, smtp_server):

    app.config["INBOUND_AUTH"] = "trusted-relay"
    mail = build_mail()
    raw = (
        f"Received: from client.example.test by {OUR_ID} with ESMTP id 1\r\n"
        f"Authentication-Results: {OUR_ID}; spf=fail smtp.mailfrom=anna@example.test\r\n"
        f"Authentication-Results: {OUR_ID}; dmarc=fail header.from=example.test\r\n"
        "Received: from laptop by client.example.test with ESMTP id 2\r\n"
        f"Authentication-Results: {OUR_ID}; spf=pass smtp.mailfrom=anna@example.test; "
        "dkim=pass header.d=example.test; dmarc=pass header.from=example.test\r\n"
    ).encode() + mail.as_bytes()
    send(smtp_server.port, raw)
    with app.app_context():
        message = db.session.scalars(select(Message)).one()
        assert message.auth_results["spf"] == "fail"
        assert message.auth_results["dmarc"] == "fail"
        assert message.auth_results["dkim"] == "none"  # only the forged header claimed a pass
        assert message.spoof_suspected is True


# 5. SMTP connection slots -------------------------------------------------------------


@pytest.fixture
def smtp_limited(app, dns):
    """Our SMTP server with small limits, so the attacks take a second, not minutes."""

    started = []

    def start(**config):
        app.config.update(config)
        controller = HelpdeskController(
            app, host="127.0.0.1", port=support.free_port(), txt_lookup=dns
        )
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


def _raw_connection(port: int, source: str = "127.0.0.1"):

    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    return sock, sock.makefile("rb")


def _closed_by_server(reader) -> list[bytes]:
    """Lines the server sends until it closes the connection."""
    lines = []
    while line := reader.readline():
        lines.append(line)
    return lines


def test_one_address_cannot_take_every_smtp_slot(app, smtp_limited):

    controller = smtp_limited(INBOUND_MAX_CONNECTIONS_PER_ADDRESS=3, INBOUND_MAX_CONNECTIONS=100)
    idle = [_raw_connection(controller.port) for _ in range(3)]
    for _sock, reader in idle:
        assert reader.readline().startswith(b"220")
    sock, reader = _raw_connection(controller.port)
    assert any(line.startswith(b"421") for line in _closed_by_server(reader))
    sock.close()
    # another sender still gets in while the three idle connections stay open

    with smtplib.SMTP("127.0.0.1", controller.port, source_address=("127.0.0.2", 0)) as other:
        other.ehlo("other.example.test")
        refused = other.sendmail(
            "anna@example.test", ["support@helpdesk.test"], build_mail().as_bytes()
        )
        assert refused == {}
    for idle_sock, _ in idle:
        idle_sock.close()


def test_idle_connection_is_closed_quickly(app, smtp_limited):

    controller = smtp_limited(INBOUND_IDLE_TIMEOUT_SECONDS=1)
    sock, reader = _raw_connection(controller.port)
    assert reader.readline().startswith(b"220")
    started = time.monotonic()
    _closed_by_server(reader)
    assert time.monotonic() - started < 4
    sock.close()


def test_noops_do_not_hold_a_slot_forever(app, smtp_limited):
    controller = smtp_limited(INBOUND_MAX_NOOPS=3, INBOUND_IDLE_TIMEOUT_SECONDS=30)
    sock, reader = _raw_connection(controller.port)
    reader.readline()
    replies = []
    for _ in range(4):
        sock.sendall(b"NOOP\r\n")
        replies.append(reader.readline())
    assert [r[:3] for r in replies] == [b"250", b"250", b"250", b"421"]
    assert _closed_by_server(reader) == []
    sock.close()


def test_a_connection_has_a_limited_life(app, smtp_limited):

    controller = smtp_limited(
        INBOUND_MAX_CONNECTION_SECONDS=2, INBOUND_IDLE_TIMEOUT_SECONDS=1, INBOUND_MAX_NOOPS=1000
    )
    sock, reader = _raw_connection(controller.port)
    reader.readline()
    started = time.monotonic()
    closing = b""
    while time.monotonic() - started < 6:
        sock.sendall(b"NOOP\r\n")  # keeps the idle timer from firing
        line = reader.readline()
        if not line.startswith(b"250"):
            closing = line
            break
        time.sleep(0.4)
    assert closing.startswith(b"421")
    assert time.monotonic() - started < 4
    sock.close()


def test_recipients_per_message_are_capped(app, smtp_limited):

    controller = smtp_limited(INBOUND_MAX_RECIPIENTS=5)
    with smtplib.SMTP("127.0.0.1", controller.port) as client:
        client.ehlo("client.example.test")
        client.mail("anna@example.test")
        codes = [client.rcpt(f"support+{i}@helpdesk.test")[0] for i in range(8)]
    assert codes == [250] * 5 + [452] * 3


# 11. Storage amplification by nested messages ------------------------------------------


def _nested_mail(levels: int, payload: bytes) -> bytes:
    inner = EmailMessage()
    inner["From"] = "someone@example.test"
    inner["Subject"] = "deepest"
    inner.set_content("deep text")
    inner.add_attachment(payload, maintype="application", subtype="octet-stream", filename="b.bin")
    for level in range(levels):
        outer = EmailMessage()
        outer["From"] = "anna@example.test"
        outer["To"] = "support@helpdesk.test"
        outer["Subject"] = f"Forward {level}"
        outer["Message-ID"] = f"<nest-{level}@example.test>"
        outer.set_content(f"level {level}")
        outer.add_attachment(inner)
        inner = outer
    return inner.as_bytes(policy=email_policy.SMTP)


def test_nested_forwards_never_store_more_than_the_mail(app, smtp_server):
    raw = _nested_mail(19, b"\x00\x01" * 350_000)  # about 1 MB on the wire
    send(smtp_server.port, raw)
    with app.app_context():
        stored = db.session.scalar(select(func.coalesce(func.sum(Attachment.size), 0)))
        message = db.session.scalars(select(Message)).one()
    assert stored <= len(raw)
    assert "Forward 17" in message.body_text or "Forwarded message" in message.body_text


def test_nested_forwards_are_expanded_to_a_bounded_depth():
    raw = _nested_mail(19, b"x" * 1000)
    parsed = parse_email(raw)
    assert parsed.full_text.count("---- Forwarded message ----") <= MAX_MESSAGE_NESTING
    assert "NestedMessageNotExpanded" in parsed.defects


def test_parsing_a_nested_mail_uses_bounded_memory():
    raw = _nested_mail(19, b"\x00\x01" * 350_000)
    tracemalloc.start()
    try:
        parse_email(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(raw)


# 10. Vote stuffing --------------------------------------------------------------------


def test_dropping_the_voter_cookie_does_not_allow_unlimited_votes(app):
    with app.app_context():
        article = Article(
            slug="reset-the-tv-box",
            title="Reset the TV box",
            problem="The box shows a red light.",
            resolution="Hold the button for ten seconds.",
            status="published",
            published_at=utcnow(),
        )
        db.session.add(article)
        db.session.commit()
    for _ in range(20):
        fresh = app.test_client()  # a new browser every time: no voter cookie, no session
        page = fresh.get("/answers/reset-the-tv-box")
        assert page.status_code == 200
        fresh.post(
            "/answers/reset-the-tv-box/vote",
            data={"csrf_token": _csrf(page.text), "helpful": "yes"},
        )
    with app.app_context():
        article = db.session.scalars(select(Article)).one()
        assert article.helpful_yes == app.config["VOTES_PER_ADDRESS_PER_DAY"]
    # another address still counts
    other = app.test_client()
    page = other.get("/answers/reset-the-tv-box", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    other.post(
        "/answers/reset-the-tv-box/vote",
        data={"csrf_token": _csrf(page.text), "helpful": "no"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    with app.app_context():
        assert db.session.scalars(select(Article)).one().helpful_no == 1


# 8. SMS pumping -----------------------------------------------------------------------


@pytest.mark.parametrize("number", ["+2348031234567", "+8801712345678"])
def test_callback_form_does_not_text_foreign_numbers(app, client, twilio_stub, number):
    response = _callback_form(client, phone=number)
    assert response.status_code == 400
    assert "we can only call and text numbers in: SE" in response.text
    support.run_jobs(app)
    assert twilio_stub.messages() == []
    with app.app_context():
        assert db.session.scalars(select(Ticket)).all() == []


def test_an_admin_can_allow_more_countries(app, client, twilio_stub):
    with app.app_context():
        db.session.add(Setting(key="sms_allowed_countries", value=["SE", "NG"]))
        db.session.commit()
    assert _callback_form(client, phone="+2348031234567").status_code == 302
    support.run_jobs(app)
    assert [m.value("To") for m in twilio_stub.messages()] == ["+2348031234567"]


def test_no_sms_to_a_foreign_number_even_from_an_agent_reply(app, make_agent, twilio_stub):
    agent_id = make_agent()
    with app.app_context():
        ticket = intake(
            InboundMessage(channel="sms", sender_phone="+8801712345678", body_text="hi")
        ).ticket
        message = replies.reply(ticket, db.session.get(Agent, agent_id), "Hello", channel="sms")
        db.session.commit()
        message_id = message.id
    support.run_jobs(app)
    assert twilio_stub.messages() == []
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.delivery_status == "failed" and "country" in message.delivery_error


def test_daily_sms_budget(app, client, twilio_stub):
    app.config["SMS_DAILY_BUDGET"] = 2
    for number in ("070-111 11 11", "070-222 22 22", "070-333 33 33"):
        fresh = app.test_client()
        assert _callback_form(fresh, phone=number).status_code == 302
    support.run_jobs(app)
    assert len(twilio_stub.messages()) == 2
    with app.app_context():
        refused = db.session.scalars(
            select(Message).where(Message.delivery_status == "failed")
        ).all()
        assert len(refused) == 1 and "budget" in refused[0].delivery_error


# 2. Sessions end on the server ----------------------------------------------------------


def _replay(live_server, cookies: dict, agent_string: str = "curl/8.0") -> int:
    return requests.get(
        f"{live_server.url}/agent/",
        cookies=cookies,
        headers={"User-Agent": agent_string},
        allow_redirects=False,
    ).status_code


def _post_form(http: requests.Session, live_server, page: str, action: str, **data):
    token = _csrf(http.get(f"{live_server.url}{page}").text)
    return http.post(
        f"{live_server.url}{action}", data={"csrf_token": token, **data}, allow_redirects=False
    )


def test_a_saved_cookie_is_dead_after_logout(app, live_server, make_agent):
    make_agent()
    http = _live_login(live_server)
    saved = http.cookies.get_dict()
    assert _replay(live_server, saved) == 200
    assert _post_form(http, live_server, "/agent/", "/logout").status_code == 302
    assert _replay(live_server, saved) == 302
    assert _replay(live_server, saved, "Mozilla/5.0 (another browser)") == 302


def test_deactivation_and_admin_logout_everywhere_end_sessions(app, live_server, make_agent):
    make_agent("admin@example.test", role="admin")
    agent_id = make_agent()
    admin = _live_login(live_server, "admin@example.test")
    laptop = _live_login(live_server).cookies.get_dict()
    phone = _live_login(live_server).cookies.get_dict()
    assert _replay(live_server, laptop) == 200 and _replay(live_server, phone) == 200
    response = _post_form(
        admin,
        live_server,
        "/agent/admin/agents",
        f"/agent/admin/agents/{agent_id}/logout-everywhere",
    )
    assert response.status_code == 302
    assert _replay(live_server, laptop) == 302 and _replay(live_server, phone) == 302
    again = _live_login(live_server).cookies.get_dict()
    assert _replay(live_server, again) == 200
    _post_form(
        admin,
        live_server,
        "/agent/admin/agents",
        f"/agent/admin/agents/{agent_id}",
        role="agent",
    )  # "active" unticked: deactivated
    assert _replay(live_server, again) == 302
    with app.app_context():
        db.session.get(Agent, agent_id).active = True
        db.session.commit()
    assert _replay(live_server, again) == 302  # reactivation does not revive old sessions


def test_password_change_ends_other_sessions(app, live_server, make_agent):
    make_agent()
    here = _live_login(live_server)
    elsewhere = _live_login(live_server).cookies.get_dict()
    response = _post_form(
        here,
        live_server,
        "/account",
        "/account",
        current=PASSWORD,
        new="a-brand-new-passphrase",
        repeat="a-brand-new-passphrase",
    )
    assert response.status_code == 302
    assert _replay(live_server, here.cookies.get_dict()) == 200
    assert _replay(live_server, elsewhere) == 302
    _live_login(live_server, password="a-brand-new-passphrase")


def test_an_idle_session_ends(app, live_server, make_agent):
    make_agent()
    cookies = _live_login(live_server).cookies.get_dict()
    assert _replay(live_server, cookies) == 200
    with app.app_context():
        idle = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
        db.session.execute(update(AgentSession).values(last_seen_at=idle))
        db.session.commit()
    assert _replay(live_server, cookies) == 302


# 3. Two-factor sign-in for agents -------------------------------------------------------


def _enrol(client) -> tuple[str, list[str]]:
    """Enrol through the pages; returns the secret and the recovery codes shown once."""
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "<svg" in page.text and "<script" not in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    done = client.post(
        "/account/two-factor",
        data={"csrf_token": _csrf(page.text), "code": pyotp.TOTP(secret).now()},
    )
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", done.text)
    assert len(codes) == 10
    return secret, codes


def _password_step(client, password=PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": "agent@example.test", "password": password, "csrf_token": _csrf(page.text)},
    )


def _code_step(client, code):
    page = client.get("/login/code")
    return client.post("/login/code", data={"csrf_token": _csrf(page.text), "code": code})


def test_with_two_factor_a_password_alone_opens_nothing(app, client, make_agent):
    agent_id = make_agent()
    support.login(client, "agent@example.test", PASSWORD)
    secret, codes = _enrol(client)
    with app.app_context():
        agent = db.session.get(Agent, agent_id)
        assert agent.totp_enabled_at is not None
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(codes) & set(stored)  # hashed at rest
    attacker = app.test_client()
    step = _password_step(attacker)
    assert step.status_code == 302 and step.headers["Location"].endswith("/login/code")
    assert attacker.get("/agent/").status_code == 302  # the password alone: still logged out
    assert _code_step(attacker, "000000").status_code == 401
    # the owner: password + app code
    owner = app.test_client()
    _password_step(owner)
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the enrolment used this step's code
    assert _code_step(owner, code).status_code == 302
    assert owner.get("/agent/").status_code == 200
    # the same code cannot be used twice (someone looking over the shoulder)
    replay = app.test_client()
    _password_step(replay)
    assert _code_step(replay, code).status_code == 401
    # a recovery code works once
    lost_phone = app.test_client()
    _password_step(lost_phone)
    assert _code_step(lost_phone, codes[0]).status_code == 302
    again = app.test_client()
    _password_step(again)
    assert _code_step(again, codes[0]).status_code == 401


def test_two_factor_guesses_are_limited(app, make_agent):
    make_agent()
    with app.app_context():
        agent = db.session.scalars(select(Agent)).one()
        two_factor_domain.begin_enrolment(agent)
        agent.totp_enabled_at = utcnow()
        db.session.commit()
    client = app.test_client()
    _password_step(client)
    statuses = [_code_step(client, f"{n:06d}").status_code for n in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]


def test_admins_can_require_two_factor_for_everyone(app, client, make_agent):
    make_agent()
    with app.app_context():
        db.session.add(Setting(key="require_two_factor", value=True))
        db.session.commit()
    support.login(client, "agent@example.test", PASSWORD)
    queue = client.get("/agent/")
    assert queue.status_code == 302 and queue.headers["Location"].endswith("/account/two-factor")
    _enrol(client)
    assert client.get("/agent/").status_code == 200


def test_a_forged_security_key_answer_is_refused(app, make_agent):
    make_agent()
    with app.app_context():
        agent = db.session.scalars(select(Agent)).one()
        two_factor_domain.begin_enrolment(agent)
        agent.totp_enabled_at = utcnow()
        db.session.add(
            PasskeyCredential(agent_id=agent.id, credential_id="AAAA", public_key="AAAA", name="k")
        )
        db.session.commit()
    client = app.test_client()
    assert client.post("/login/passkey/options", headers={"X-CSRFToken": "x"}).status_code in (
        400,
        401,
    )
    _password_step(client)
    token = _csrf(client.get("/login/code").text)
    headers = {"X-CSRFToken": token}
    options = client.post("/login/passkey/options", headers=headers)
    assert options.status_code == 200 and options.json["allowCredentials"][0]["id"] == "AAAA"
    forged = {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}
    answer = client.post("/login/passkey", json={"credential": forged}, headers=headers)
    assert answer.status_code == 401
    assert client.get("/agent/").status_code == 302


def test_signed_webhook_values_with_nul_bytes_are_not_a_500(app, client):
    status = support.twilio_post(
        client, "/twilio/status", {"MessageSid": "\x00", "MessageStatus": "delivered\x00"}
    )
    assert status.status_code == 204
    sms = support.twilio_post(
        client,
        "/twilio/sms",
        {"From": PHONE, "To": "+46850000000", "Body": "Hello\x00there", "MessageSid": "SM\x009"},
    )
    assert sms.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Message)).one().body_text == "Hellothere"
