"""Outgoing mail is sent once end to end: a stable Message-ID recorded before sending, a
handed-over mark before the final dot, and a reused relay connection (real SMTP sink)."""

from __future__ import annotations

import smtplib
import threading
import time

import pytest
from sqlalchemy import select

from app.adapters import smtp as smtp_adapter
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Message, OutboxItem
from tests.support import TcpProxy
from workers.jobs import run_outbox_item
from workers.outgoing import outbox_message_id


@pytest.fixture
def via_proxy(app, mail_sink):
    """The relay reached through a TCP proxy we can cut, like a network or relay failure."""
    smtp_adapter.close()
    proxy = TcpProxy("127.0.0.1", mail_sink.port)
    proxy.start()
    app.config["SMTP_RELAY_PORT"] = proxy.port
    yield proxy
    proxy.cut()
    smtp_adapter.close()


def _ack_item(n: int = 1) -> int:
    intake(
        InboundMessage(
            channel="email",
            sender_email=f"anna{n}@example.com",
            subject="Help",
            body_text="hello",
            email_message_id=f"<once{n}@example.com>",
            acknowledge=True,
        )
    )
    db.session.commit()
    return db.session.scalars(select(OutboxItem.id).order_by(OutboxItem.id.desc())).first()


def _ack() -> Message:
    db.session.expire_all()
    return db.session.scalar(select(Message).where(Message.direction == "out"))


def test_a_crash_after_the_relay_took_the_mail_does_not_send_it_twice(ctx, mail_sink, via_proxy):
    item_id = _ack_item()
    mail_sink.delay = 1.5  # the relay has the mail but has not said 250 yet ...
    threading.Timer(0.7, via_proxy.cut).start()  # ... when the connection dies
    with pytest.raises((smtplib.SMTPException, OSError)):
        run_outbox_item(item_id)
    assert _ack().delivery_status == "handed-over"
    message_id = _ack().email_message_id
    time.sleep(1.0)
    via_proxy.restore()
    mail_sink.delay = 0.0
    assert run_outbox_item(item_id) == "done"  # the rerun recognises the hand-over
    assert len(mail_sink.messages) == 1
    assert mail_sink.last()["Message-ID"] == message_id
    ack = _ack()
    assert ack.delivery_status == "sent" and ack.meta["resend_skipped"] is True


@pytest.mark.parametrize("crash_on", ["body", "dot"])
def test_a_failure_before_the_relay_took_the_mail_resends_with_the_same_message_id(
    ctx, mail_sink, via_proxy, crash_on
):
    item_id = _ack_item()

    def crash(*args, **kwargs):
        raise ConnectionResetError("worker lost the relay mid-DATA")

    real_send = smtplib.SMTP.send
    calls = {"n": 0}

    def send_then_crash(self, data):
        calls["n"] += 1
        if (data == b".\r\n") == (crash_on == "dot"):
            crash()
        return real_send(self, data)

    smtplib.SMTP.send = send_then_crash
    try:
        with pytest.raises(OSError):
            run_outbox_item(item_id)
    finally:
        smtplib.SMTP.send = real_send
    first_id = _ack().email_message_id
    assert mail_sink.messages == []  # the relay never got the final dot: nothing there
    assert run_outbox_item(item_id) == "done"
    assert len(mail_sink.messages) == 1 and mail_sink.last()["Message-ID"] == first_id
    assert _ack().delivery_status == "sent"


def test_the_ack_message_id_is_stable_per_outbox_item_and_signed(ctx, app):
    first = outbox_message_id(7, "ack")
    assert outbox_message_id(7, "ack") == first != outbox_message_id(8, "ack")
    app.config["SECRET_KEY"] = "another-secret-key-that-is-long-enough-12345"
    assert outbox_message_id(7, "ack") != first  # not guessable without the secret


def test_the_relay_connection_is_reused_and_replaced_when_it_went_stale(ctx, mail_sink, via_proxy):
    items = [_ack_item(n) for n in range(3)]
    run_outbox_item(items[0])
    run_outbox_item(items[1])
    assert via_proxy and len(via_proxy._conns) == 2  # one client connection for both mails
    via_proxy.cut()  # the relay restarts / closes idle connections
    via_proxy.restore()
    assert run_outbox_item(items[2]) == "done"
    assert len(mail_sink.messages) == 3
