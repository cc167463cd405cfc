"""Merging and splitting customers through HTTP: audit, suggestions, confirmation, identity."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import AuditEvent, Customer, CustomerMerge, Ticket, VerificationChallenge
from app.models.base import utcnow
from tests import support


def _inbound(app, **kwargs) -> int:
    with app.app_context():
        result = intake(InboundMessage(**kwargs))
        db.session.commit()
        return result.ticket.id


def _customer_of(app, ticket_id: int) -> int:
    with app.app_context():
        return db.session.get(Ticket, ticket_id).customer_id


def test_mail_then_sms_from_a_new_number_merge_and_split(app, logged_in):
    client, _ = logged_in
    mail_ticket = _inbound(
        app,
        channel="email",
        sender_email="eva@example.test",
        sender_name="Eva Lind",
        subject="Bill",
        body_text="Hi, my bill is wrong.\n\nEva Lind\nMobil: 070-765 43 21",
    )
    sms_ticket = _inbound(
        app, channel="sms", sender_phone="+46707654321", body_text="Did you get my mail?"
    )
    mail_customer, sms_customer = _customer_of(app, mail_ticket), _customer_of(app, sms_ticket)
    assert mail_customer != sms_customer
    with app.app_context():  # the mail ticket was verified by mailbox earlier
        ticket = db.session.get(Ticket, mail_ticket)
        ticket.verified_until, ticket.verified_level = utcnow() + timedelta(hours=1), "mailbox"
        db.session.commit()
    # The phone in the mail signature belongs to the SMS customer: suggested, never merged.
    page = client.get(f"/agent/tickets/{mail_ticket}").get_data(as_text=True)
    assert "Same person as another customer?" in page
    assert "their phone number is in this customer&#39;s mail" in page
    with app.app_context():
        assert db.session.get(Customer, sms_customer).merged_into_id is None
    with app.app_context():
        sms_reference = db.session.get(Ticket, sms_ticket).reference
    compare = client.get(
        f"/agent/customers/{mail_customer}/merge",
        query_string={"other": sms_reference, "ticket": mail_ticket},
    ).get_data(as_text=True)
    assert 'id="merge-form"' in compare and "+46707654321" not in compare  # masked
    response = client.post(
        f"/agent/customers/{mail_customer}/merge?ticket={mail_ticket}",
        data={
            "csrf_token": support.csrf_token(compare),
            "other_id": str(sms_customer),
            "keep": "this",
            "reason": "Signature phone matches",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        kept = db.session.get(Customer, mail_customer)
        gone = db.session.get(Customer, sms_customer)
        assert gone.merged_into_id == kept.id and gone.phone is None
        assert kept.phone == "+46707654321" and kept.phone_changed_at is not None
        assert {t.customer_id for t in db.session.scalars(select(Ticket))} == {kept.id}
        # Verification never carries across a merge.
        assert db.session.get(Ticket, mail_ticket).verified_until is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.merged"))
        assert event.detail["source_customer_id"] == sms_customer and event.detail["tickets"] == 1
        assert "Signature" not in str(event.detail)  # the reason stays on the merge record
    # A new SMS from the merged number lands with the kept customer.
    later = _inbound(app, channel="sms", sender_phone="+46707654321", body_text="Hello again")
    assert _customer_of(app, later) == mail_customer
    # Split the merge: the SMS customer gets their ticket and number back.
    history = client.get(f"/agent/customers/{mail_customer}/merge").get_data(as_text=True)
    assert "Undo this merge" in history
    with app.app_context():
        merge_id = db.session.scalar(select(CustomerMerge.id))
    client.post(
        f"/agent/merges/{merge_id}/split",
        data={"csrf_token": support.csrf_token(history), "reason": "Two people"},
    )
    with app.app_context():
        back = db.session.get(Customer, sms_customer)
        assert back.merged_into_id is None and back.phone == "+46707654321"
        assert db.session.get(Customer, mail_customer).phone is None
        assert db.session.get(Ticket, sms_ticket).customer_id == sms_customer
        assert db.session.get(Ticket, later).customer_id == mail_customer  # opened after
        assert (
            db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "customer.split")
            ).detail["merge_id"]
            == merge_id
        )
    response = client.post(
        f"/agent/merges/{merge_id}/split", data={"csrf_token": support.csrf_token(history)}
    )
    assert "already undone" in client.get(response.headers["Location"]).get_data(as_text=True)


def _proven(app, phone: str, name: str) -> int:
    ticket_id = _inbound(app, channel="sms", sender_phone=phone, sender_name=name, body_text="hi")
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        db.session.add(
            VerificationChallenge(
                customer_id=ticket.customer_id,
                ticket_id=ticket.id,
                channel="sms",
                code_hash="x",
                expires_at=utcnow(),
                used_at=utcnow(),
            )
        )
        db.session.commit()
        return ticket.customer_id


def test_two_customers_with_different_proven_phones_need_confirmation_and_reason(app, logged_in):
    client, _ = logged_in
    one = _proven(app, "+46701111111", "Bo Ek")
    two = _proven(app, "+46702222222", "Bo Ek")
    page = client.get(f"/agent/customers/{one}/merge?other={two}").get_data(as_text=True)
    assert "numbers differ" in page
    data = {"csrf_token": support.csrf_token(page), "other_id": str(two), "keep": "this"}
    refused = client.post(f"/agent/customers/{one}/merge", data=data)
    assert refused.status_code == 400 and "Tick the box and write why" in refused.text
    refused = client.post(f"/agent/customers/{one}/merge", data={**data, "confirm": "y"})
    assert refused.status_code == 400  # confirmed, but no reason written
    with app.app_context():
        assert db.session.get(Customer, two).merged_into_id is None
    done = client.post(
        f"/agent/customers/{one}/merge",
        data={**data, "confirm": "y", "reason": "Same person, second phone (checked by call)"},
    )
    assert done.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(CustomerMerge))
        assert record.confirmed_warnings == ["different_verified_phones"]
        assert record.reason.startswith("Same person")
        kept = db.session.get(Customer, one)
        assert kept.phone == "+46701111111"  # the kept customer's own number stays
        assert db.session.get(Customer, two).phone == "+46702222222"  # not moved: taken
    # The second number still reaches the kept customer.
    later = _inbound(app, channel="sms", sender_phone="+46702222222", body_text="again")
    assert _customer_of(app, later) == one


def test_merge_into_self_asks_and_records_why(app, logged_in):
    client, _ = logged_in
    ticket_id = _inbound(app, channel="email", sender_email="a@example.test", subject="x")
    me = _customer_of(app, ticket_id)
    page = client.get(f"/agent/customers/{me}/merge?other={me}").get_data(as_text=True)
    assert "same customer" in page
    data = {"csrf_token": support.csrf_token(page), "other_id": str(me), "keep": "this"}
    assert client.post(f"/agent/customers/{me}/merge", data=data).status_code == 400
    response = client.post(
        f"/agent/customers/{me}/merge", data={**data, "confirm": "y", "reason": "Testing"}
    )
    assert "Nothing was merged" in client.get(response.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(CustomerMerge)) is None
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "customer.merge_self_confirmed")
        )
        assert event.customer_id == me


def test_same_name_is_suggested_and_unknown_reference_is_explained(app, logged_in):
    client, _ = logged_in
    first = _inbound(app, channel="email", sender_email="k@example.test", sender_name="Karin Åberg")
    _inbound(app, channel="sms", sender_phone="+46703333333", sender_name="karin åberg")
    me = _customer_of(app, first)
    page = client.get(f"/agent/customers/{me}/merge").get_data(as_text=True)
    assert "Maybe the same person" in page and "same name" in page
    missing = client.get(f"/agent/customers/{me}/merge?other=HD-999999").get_data(as_text=True)
    assert "No customer found" in missing
