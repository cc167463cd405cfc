"""What identifies a delivery: Message-ID *and* content. Retries are stored once; different
mail under a reused Message-ID, or without one, is never dropped (real SMTP, real database)."""

from __future__ import annotations

from email.utils import formatdate

from sqlalchemy import func, select

from app.extensions import db
from app.models import Message, OutboxItem, Ticket
from tests.email_support import build_mail, send


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _without_message_id(body: str, subject: str = "Printer jams"):
    mail = build_mail(subject=subject, body=body)
    del mail["Message-ID"]
    mail["Date"] = formatdate(1_790_000_000)
    return mail


def test_different_mail_under_a_reused_message_id_is_stored_as_new_mail(app, smtp_server):
    first = build_mail(
        subject="Router blinks", body="The router blinks red.", message_id="<same@x>"
    )
    other = build_mail(
        sender="Bo <bo@example.test>",
        subject="Invoice question",
        body="Why is my invoice higher?",
        message_id="<same@x>",
    )
    send(smtp_server.port, first)
    reply = send(smtp_server.port, other, mail_from="bo@example.test")
    send(smtp_server.port, other, mail_from="bo@example.test")  # its retry: stored once
    send(smtp_server.port, first)  # and the first one's retry too
    assert "ticket HD-" in reply
    with app.app_context():
        messages = db.session.scalars(select(Message).order_by(Message.id)).all()
        assert [m.subject for m in messages] == ["Router blinks", "Invoice question"]
        assert messages[0].email_message_id == "<same@x>"
        assert messages[1].email_message_id is None
        assert messages[1].meta["reused_message_id"] == "<same@x>"
        # Threaded by its own headers: Bo's mail is not put on Anna's ticket.
        assert messages[0].ticket_id != messages[1].ticket_id
        assert messages[1].ticket.customer.email == "bo@example.test"
        assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 2  # two acks


def test_a_reply_reusing_a_message_id_threads_by_its_headers(app, smtp_server):
    send(smtp_server.port, build_mail(message_id="<first@x>"))
    send(
        smtp_server.port,
        build_mail(
            subject="Re: more",
            body="Another thing.",
            message_id="<first@x>",
            in_reply_to="<first@x>",
        ),
    )
    with app.app_context():
        messages = db.session.scalars(select(Message).order_by(Message.id)).all()
        assert len(messages) == 2 and messages[0].ticket_id == messages[1].ticket_id
    assert _count(app, Ticket) == 1


def test_mail_without_message_id_retried_is_stored_once(app, smtp_server):
    mail = _without_message_id("It jams on every page.")
    send(smtp_server.port, mail)
    send(smtp_server.port, mail)  # the 250 was lost; the sender's MTA tries again
    assert _count(app, Message) == 1 and _count(app, Ticket) == 1
    assert _count(app, OutboxItem) == 1  # one acknowledgement
    send(smtp_server.port, _without_message_id("Now it also smells burnt."))  # new content
    assert _count(app, Message) == 2
    with app.app_context():
        keys = db.session.scalars(select(Message.delivery_key)).all()
        assert len(set(keys)) == 2 and all(len(k) == 64 for k in keys)
