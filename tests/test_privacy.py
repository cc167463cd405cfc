"""Erasure edge cases, export (right of access) and the records of processing page."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Column, String, Table, func, select

from app.domain import outbox, privacy, processing
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import AuditEvent, Customer, Message, OutboxItem, PrivacyRequest
from tests import support
from tests.email_support import build_mail, send

EMAIL = "anna.berg@example.test"


@pytest.fixture
def admin(app, client, make_agent):
    make_agent(email="admin@example.test", role="admin", name="Ada Admin")
    support.login(client, "admin@example.test", "correct-horse-battery")
    return client


def _mail_with_file(sender: str, content: bytes, name: str = "bill.pdf"):
    mail = build_mail(sender=sender, subject="My bill", body="Please look at the bill.")
    mail.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    return mail


def _customer_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Customer.id).where(Customer.email == email))


def _erase(app, client, customer_id: int, **extra) -> object:
    page = f"/agent/admin/data-protection/customers/{customer_id}"
    token = support.csrf_token(client.get(page).get_data(as_text=True))
    data = {"csrf_token": token, "confirm_erase": "yes", "confirm_open": "yes", **extra}
    return client.post(f"{page}/erase", data=data)


def test_erasure_pages_are_for_admins_only(app, client, make_agent):
    make_agent()
    support.login(client, "agent@example.test", "correct-horse-battery")
    assert client.get("/agent/admin/data-protection").status_code == 403
    assert client.get("/agent/admin/data-protection/records").status_code == 403


def test_find_a_customer_by_email_phone_or_reference(app, admin):
    with app.app_context():
        result = intake(InboundMessage(channel="email", sender_email=EMAIL, body_text="Hi"))
        db.session.commit()
        reference, customer_id = result.ticket.reference, result.ticket.customer_id
    for query in (EMAIL, reference):
        found = admin.get(f"/agent/admin/data-protection?q={query}")
        assert found.headers["Location"].endswith(f"/customers/{customer_id}")
    missing = admin.get("/agent/admin/data-protection?q=nobody@example.test")
    assert "No customer has" in missing.get_data(as_text=True)


def test_erasure_without_the_confirmation_box_changes_nothing(app, admin):
    with app.app_context():
        intake(InboundMessage(channel="email", sender_email=EMAIL, body_text="Hi"))
        db.session.commit()
    customer_id = _customer_id(app, EMAIL)
    page = f"/agent/admin/data-protection/customers/{customer_id}"
    token = support.csrf_token(admin.get(page).get_data(as_text=True))
    assert admin.post(f"{page}/erase", data={"csrf_token": token}).status_code == 400
    assert admin.post(f"{page}/erase", data={"confirm_erase": "yes"}).status_code == 400  # CSRF
    with app.app_context():
        assert db.session.get(Customer, customer_id) is not None
        assert db.session.scalar(select(func.count()).select_from(PrivacyRequest)) == 0


def test_a_file_another_customer_also_sent_stays(app, admin, smtp_server):
    same = b"%PDF the same public price list"
    send(smtp_server.port, _mail_with_file("Anna <anna@example.test>", same), mail_from=EMAIL)
    send(smtp_server.port, _mail_with_file("Bo <bo@example.test>", same), mail_from="bo@e.test")
    send(smtp_server.port, _mail_with_file("Anna <anna@example.test>", b"%PDF only mine", "x.pdf"))
    root = Path(app.config["ATTACHMENT_DIR"])
    assert len([p for p in root.rglob("*") if p.is_file()]) == 2
    _erase(app, admin, _customer_id(app, "anna@example.test"))
    support.run_jobs(app)
    files = [p.read_bytes() for p in root.rglob("*") if p.is_file()]
    assert files == [same]
    bo = admin.get(f"/agent/admin/data-protection/customers/{_customer_id(app, 'bo@example.test')}")
    assert "Attachments and recordings: 1" in bo.get_data(as_text=True)


def test_erasure_that_fails_halfway_resumes_and_never_leaves_half_a_customer(
    app, admin, client, twilio_stub
):
    phone = "+46701234567"
    call = {"From": phone, "To": "+46850000000", "CallSid": "CA9"}
    support.twilio_post(client, "/twilio/voice", call)
    recording = {**call, "RecordingSid": "RE9", "RecordingUrl": "https://x/RE9"}
    support.twilio_post(client, "/twilio/recording", {**recording, "RecordingDuration": "3"})
    twilio_stub.recordings["RE9"] = b"audio"
    with app.app_context():
        customer_id = db.session.scalar(select(Customer.id).where(Customer.phone == phone))
        # A voicemail from before recordings were fetched: Twilio still holds it.
        db.session.execute(db.delete(OutboxItem).where(OutboxItem.topic == "recording.fetch"))
        db.session.commit()
    twilio_stub.fail_next = [500, 500, 500]  # Twilio is down for every try of the job
    _erase(app, admin, customer_id)
    support.run_jobs(app)
    with app.app_context():
        request = db.session.scalars(select(PrivacyRequest)).one()
        # The database step is all or nothing: done, and nobody is named any more.
        assert request.status == "erased" and request.customer_id is None
        assert request.cleanup["recordings"] == ["RE9"]
        assert db.session.get(Customer, customer_id) is None
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    page = admin.get(f"/agent/admin/data-protection/requests/{request.id}").get_data(as_text=True)
    assert "removing files and recordings" in page
    # The admin retries the failed job (jobs page); it picks up where it stopped.
    with app.app_context():
        item = db.session.scalars(select(OutboxItem).where(OutboxItem.failed.is_(True))).one()
        outbox.retry_failed(item)
        db.session.commit()
    support.run_jobs(app)
    with app.app_context():
        request = db.session.get(PrivacyRequest, request.id)
        assert request.status == "done" and request.cleanup is None
        erased = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "privacy.customer_erased")
        ).all()
        assert len(erased) == 1  # the database step ran once
    assert twilio_stub.deleted_recordings()[-1] == "RE9" and "RE9" not in twilio_stub.recordings


def test_a_database_failure_in_the_middle_rolls_the_whole_customer_back(app, admin, monkeypatch):
    with app.app_context():
        intake(InboundMessage(channel="email", sender_email=EMAIL, body_text="Hi"))
        db.session.commit()
    customer_id = _customer_id(app, EMAIL)
    _erase(app, admin, customer_id)
    calls = {"n": 0}

    def failing_record(*args, **kwargs):
        calls["n"] += 1
        raise RuntimeError("database went away")

    monkeypatch.setattr(privacy.audit, "record", failing_record)  # the last step fails
    support.run_jobs(app)
    assert calls["n"] >= 1
    with app.app_context():
        assert db.session.get(Customer, customer_id) is not None  # all of it is still there
        assert db.session.scalar(select(func.count()).select_from(Message)) == 1
        assert db.session.scalars(select(PrivacyRequest)).one().status == "pending"


# --- export --------------------------------------------------------------------------------


def test_export_streams_a_zip_of_everything_and_is_audited(app, admin, smtp_server):
    big = bytes(range(256)) * 8192  # 2 MB attachment
    send(smtp_server.port, _mail_with_file("Anna Berg <anna@example.test>", big, "scan.pdf"))
    with app.app_context():
        customer = db.session.scalar(select(Customer))
        customer.address = "Storgatan 1"
        db.session.commit()
        customer_id = customer.id
    response = admin.get(f"/agent/admin/data-protection/customers/{customer_id}/export.zip")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    chunks = list(response.response)
    assert len(chunks) > 10 and max(len(c) for c in chunks) < 512 * 1024  # never all at once
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    names = archive.namelist()
    [person] = json.loads(archive.read("customer.json"))
    assert person["email"] == "anna@example.test" and person["address"] == "Storgatan 1"
    messages = json.loads(archive.read("messages.json"))
    assert messages[0]["body_text"].startswith("Please look at the bill")
    [eml] = [n for n in names if n.startswith("email/")]
    assert b"Please look at the bill" in archive.read(eml)
    [attachment] = [n for n in names if n.startswith("files/")]
    assert archive.read(attachment) == big
    records = json.loads(archive.read("records.json"))
    assert all("code_hash" not in r for r in records)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.customer_id == customer_id)
        ).all()
        assert "privacy.exported" in events


def test_summary_page_is_readable_and_audited(app, admin):
    with app.app_context():
        intake(
            InboundMessage(
                channel="email", sender_email=EMAIL, subject="Heater", body_text="It is cold"
            )
        )
        db.session.commit()
    customer_id = _customer_id(app, EMAIL)
    page = admin.get(f"/agent/admin/data-protection/customers/{customer_id}/summary")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "It is cold" in html and EMAIL in html
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "privacy.summary_viewed")
        )


# --- records of processing -----------------------------------------------------------------


def test_records_of_processing_cover_every_column(app):
    with app.app_context():
        assert processing.unclassified() == []


def test_a_new_unclassified_column_is_named(app):
    table = Table("loyalty_cards", db.metadata, Column("holder_name", String(50)))
    try:
        with app.app_context():
            assert processing.unclassified() == ["loyalty_cards.holder_name"]
    finally:
        db.metadata.remove(table)


def test_records_page_lists_personal_columns_from_the_schema(app, admin):
    html = admin.get("/agent/admin/data-protection/records").get_data(as_text=True)
    assert "customers.email" in html and "messages.body_text" in html
    assert "tickets.status" not in html  # not personal
    assert "90 days" in html  # a retention period set for recordings


def test_their_address_on_someone_elses_ticket_is_removed_not_the_ticket(app, admin):
    with app.app_context():
        anna = intake(InboundMessage(channel="email", sender_email=EMAIL, body_text="Hi"))
        bo = intake(InboundMessage(channel="email", sender_email="bo@example.test", body_text="x"))
        db.session.add(
            Message(
                ticket_id=bo.ticket.id,
                direction="out",
                channel="email",
                recipient=EMAIL,
                body_text="Copy to Anna",
            )
        )
        db.session.commit()
        anna_id, bo_ticket = anna.ticket.customer_id, bo.ticket.id
    _erase(app, admin, anna_id)
    support.run_jobs(app)
    with app.app_context():
        copies = db.session.scalars(select(Message).where(Message.ticket_id == bo_ticket)).all()
        assert len(copies) == 2 and all(EMAIL not in (m.recipient or "") for m in copies)
