"""The domain intake: one door for every channel."""

import pytest
from sqlalchemy import func, select

from app.domain.audit import SYSTEM
from app.domain.contacts import InvalidContact, normalize_phone
from app.domain.intake import InboundMessage, intake
from app.domain.reply_address import reference_from_address, reply_address
from app.domain.tickets import change_status
from app.extensions import db
from app.models import Customer, Message, OutboxItem, Ticket


def email(**kw) -> InboundMessage:
    defaults = dict(
        channel="email",
        sender_email="anna@example.com",
        sender_name="Anna",
        subject="Printer broken",
        body_text="It does not print.",
    )
    defaults.update(kw)
    return InboundMessage(**defaults)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_new_mail_opens_ticket_and_customer(ctx):
    result = intake(email(email_message_id="<a1@example.com>"))
    db.session.commit()
    assert result.created_ticket and not result.duplicate
    ticket = result.ticket
    assert ticket.reference.startswith("HD-") and ticket.status == "new"
    assert ticket.customer.email == "anna@example.com"
    assert ticket.subject == "Printer broken"
    assert [m.body_text for m in ticket.messages] == ["It does not print."]


def test_redelivered_message_id_is_stored_once(ctx):
    first = intake(email(email_message_id="<same@example.com>"))
    db.session.commit()
    again = intake(email(email_message_id="<same@example.com>", body_text="different"))
    db.session.commit()
    assert again.duplicate and again.ticket.id == first.ticket.id
    assert count(Message) == 1 and count(Ticket) == 1


def test_duplicate_twilio_sid_is_stored_once(ctx):
    sms = dict(channel="sms", sender_phone="+46701234567", body_text="hi", external_sid="SM1")
    intake(InboundMessage(**sms))
    db.session.commit()
    assert intake(InboundMessage(**sms)).duplicate
    assert count(Message) == 1


def test_reply_threads_by_in_reply_to(ctx):
    first = intake(email(email_message_id="<q1@example.com>"))
    db.session.commit()
    reply = intake(
        email(
            email_message_id="<q2@example.com>",
            subject="Re: something else",
            in_reply_to="<q1@example.com>",
            sender_email="other@example.com",
        )
    )
    assert reply.ticket.id == first.ticket.id and not reply.created_ticket


def test_subject_reference_threads_only_for_the_same_sender(ctx):
    first = intake(email(email_message_id="<s1@example.com>"))
    db.session.commit()
    ref = first.ticket.reference
    same = intake(email(email_message_id="<s2@example.com>", subject=f"Re: [{ref}] more"))
    stranger = intake(
        email(
            email_message_id="<s3@example.com>",
            subject=f"Re: [{ref}] hack",
            sender_email="mallory@example.net",
        )
    )
    db.session.commit()
    assert same.ticket.id == first.ticket.id
    assert stranger.created_ticket and stranger.ticket.id != first.ticket.id
    assert stranger.ticket.customer.email == "mallory@example.net"


def test_signed_reply_address_threads(ctx):

    first = intake(email(email_message_id="<r1@example.com>"))
    db.session.commit()
    address = reply_address(first.ticket.reference)
    assert reference_from_address(address) == first.ticket.reference
    forged = address.replace(address.split(".")[1].split("@")[0], "aaaaaaaaaa")
    assert reference_from_address(forged) is None
    reply = intake(
        email(
            email_message_id="<r2@example.com>",
            subject="no ref",
            sender_email="anna.work@example.com",
            thread_reference=reference_from_address(address),
        )
    )
    assert reply.ticket.id == first.ticket.id


def test_reply_to_resolved_ticket_reopens_it(ctx):
    first = intake(email(email_message_id="<x1@example.com>"))
    change_status(first.ticket, "resolved", SYSTEM)
    db.session.commit()
    again = intake(email(email_message_id="<x2@example.com>", in_reply_to="<x1@example.com>"))
    db.session.commit()
    assert again.reopened and again.ticket.status == "open"


def test_reply_to_closed_ticket_opens_a_new_one(ctx):
    first = intake(email(email_message_id="<c1@example.com>"))
    change_status(first.ticket, "closed", SYSTEM)
    db.session.commit()
    again = intake(email(email_message_id="<c2@example.com>", in_reply_to="<c1@example.com>"))
    db.session.commit()
    assert again.created_ticket and again.ticket.id != first.ticket.id
    assert again.message.meta["follows_closed_ticket"] == first.ticket.reference


def test_sms_continues_the_customers_open_ticket_and_matches_by_phone(ctx):
    first = intake(
        InboundMessage(
            channel="sms",
            sender_phone="+46701234567",
            body_text="one",
            external_sid="SMa",
            continue_open_ticket=True,
        )
    )
    second = intake(
        InboundMessage(
            channel="sms",
            sender_phone="+46701234567",
            body_text="two",
            external_sid="SMb",
            continue_open_ticket=True,
        )
    )
    db.session.commit()
    assert second.ticket.id == first.ticket.id
    assert count(Customer) == 1


def test_html_is_sanitized(ctx):
    result = intake(email(body_html='<p onclick="x()">Hi<script>alert(1)</script></p>'))
    assert "script" not in result.message.body_html
    assert "onclick" not in result.message.body_html
    assert "Hi" in result.message.body_html


def test_acknowledgement_is_recorded_in_the_outbox(ctx):

    intake(email(email_message_id="<k1@example.com>", acknowledge=True))
    intake(
        email(email_message_id="<k2@example.com>", in_reply_to="<k1@example.com>", acknowledge=True)
    )
    db.session.commit()
    topics = db.session.scalars(select(OutboxItem.topic)).all()
    assert topics == ["ticket.acknowledge"]  # only the new ticket is acknowledged


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("070-123 45 67", "+46701234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046701234567", "+46701234567"),
    ],
)
def test_phone_normalization(raw, expected):

    assert normalize_phone(raw, "SE") == expected


def test_impossible_phone_is_rejected():

    with pytest.raises(InvalidContact):
        normalize_phone("12", "SE")
