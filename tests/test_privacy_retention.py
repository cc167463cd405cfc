"""Retention: admin-set periods per data class, purged in batches by a job the outbox relay
schedules from the database (so the schedule survives restarts)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.domain import outbox, retention
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import (
    Article,
    AuditEvent,
    Customer,
    Message,
    OutboxItem,
    RateEvent,
    ScheduledRun,
    Ticket,
    VerificationChallenge,
    WebhookReceipt,
)
from app.models.base import utcnow
from tests import support
from tests.email_support import build_mail, send


@pytest.fixture
def admin(app, client, make_agent):
    make_agent(email="admin@example.test", role="admin", name="Ada Admin")
    support.login(client, "admin@example.test", "correct-horse-battery")
    return client


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _set(admin, **days) -> object:
    page = admin.get("/agent/admin/data-protection/retention").get_data(as_text=True)
    data = {"csrf_token": support.csrf_token(page)}
    data.update({k: "" for k in retention.DEFAULT_PERIODS})
    data.update({k: str(v) for k, v in days.items()})
    return admin.post("/agent/admin/data-protection/retention", data=data)


def _age(app, days: int) -> None:
    """Make everything in the database `days` old."""
    past = utcnow() - timedelta(days=days)
    with app.app_context():
        for model, column in (
            (Ticket, "updated_at"),
            (Message, "created_at"),
            (VerificationChallenge, "created_at"),
        ):
            db.session.execute(db.update(model).values({column: past}))
        db.session.execute(db.update(AuditEvent).values(at=past))
        db.session.commit()


def test_admin_sets_periods_with_validation_and_audit(app, admin):
    refused = _set(admin, messages="soon")
    assert refused.status_code == 400 and "whole number of days" in refused.get_data(as_text=True)
    assert _set(admin, messages=30, recordings=7).status_code == 302
    with app.app_context():
        assert retention.periods()["messages"] == 30 and retention.periods()["audit_log"] is None
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "privacy.retention_changed")
        )


def test_old_closed_tickets_are_purged_in_batches_open_ones_stay(app, admin, smtp_server):
    mail = build_mail(sender="Anna <anna@example.test>")
    mail.add_attachment(b"%PDF old bill", maintype="application", subtype="pdf", filename="b.pdf")
    send(smtp_server.port, mail)
    with app.app_context():
        for n in range(4):
            result = intake(
                InboundMessage(channel="sms", sender_phone=f"+4670123456{n}", body_text="hi")
            )
            if n < 3:
                result.ticket.status = "closed"
        db.session.execute(
            db.update(Ticket).where(Ticket.channel == "email").values(status="closed")
        )
        db.session.commit()
    _age(app, 40)
    app.config["RETENTION_BATCH"] = 2  # several batches
    _set(admin, messages=30, run_now="yes")
    support.run_jobs(app)
    with app.app_context():
        [left] = db.session.scalars(select(Ticket)).all()
        assert left.status == "new"  # still needs work: never purged
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
        assert db.session.scalar(select(func.count()).select_from(Message)) == 1
        run = db.session.get(ScheduledRun, retention.JOB_NAME)
        assert run is None or run.last_result  # a manual run records its result too
    files = [p for p in Path(app.config["ATTACHMENT_DIR"]).rglob("*") if p.is_file()]
    assert files == []
    # Idempotent: a second run finds nothing more to do.
    with app.app_context():
        outbox.enqueue("privacy.retention")
        db.session.commit()
    support.run_jobs(app)
    assert _count(app, Ticket) == 1


def test_transcriptions_identity_checks_and_audit_log(app, admin, client):
    phone = "+46701234567"
    call = {"From": phone, "To": "+46850000000", "CallSid": "CA1"}
    support.twilio_post(client, "/twilio/voice", call)
    support.twilio_post(
        client,
        "/twilio/recording",
        {**call, "RecordingSid": "RE1", "RecordingUrl": "https://x/RE1", "RecordingDuration": "5"},
    )
    support.twilio_post(
        client,
        "/twilio/transcription",
        {"RecordingSid": "RE1", "TranscriptionStatus": "completed", "TranscriptionText": "Secret"},
    )
    with app.app_context():
        customer = db.session.scalar(select(Customer))
        ticket = db.session.scalar(select(Ticket))
        db.session.add(
            VerificationChallenge(
                customer_id=customer.id,
                ticket_id=ticket.id,
                channel="sms",
                code_hash="x",
                expires_at=utcnow(),
            )
        )
        db.session.commit()
    _age(app, 10)
    _set(admin, transcriptions=5, identity_checks=5, audit_log=5, run_now="yes")
    support.run_jobs(app)
    with app.app_context():
        message = db.session.scalar(select(Message).where(Message.channel == "voice"))
        assert "Secret" not in message.body_text
        assert message.body_text == retention.TRANSCRIPTION_REMOVED
        assert db.session.scalar(select(func.count()).select_from(VerificationChallenge)) == 0
        # Only the audit entries written after the ageing (the settings change) remain.
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "ticket.opened" not in actions and "privacy.retention_changed" in actions


def test_schedule_is_kept_in_the_database_and_survives_a_restart(app, runner):
    assert runner.invoke(args=["outbox", "relay", "--once"]).exit_code == 0
    with app.app_context():
        run = db.session.get(ScheduledRun, retention.JOB_NAME)
        first_next = run.next_run_at
        assert first_next > utcnow() + timedelta(minutes=50)
        assert (
            db.session.scalar(select(func.count()).where(OutboxItem.topic == "privacy.retention"))
            == 1
        )
    # A restarted relay (a new app on the same database) does not run it again early.
    again = create_app(dict(app.config))
    again.test_cli_runner().invoke(args=["outbox", "relay", "--once"])
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(OutboxItem.topic == "privacy.retention"))
            == 1
        )
        db.session.get(ScheduledRun, retention.JOB_NAME).next_run_at = utcnow() - timedelta(
            seconds=1
        )
        db.session.commit()
    runner.invoke(args=["outbox", "relay", "--once"])
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(OutboxItem.topic == "privacy.retention"))
            == 2
        )
    support.run_jobs(app)
    with app.app_context():
        assert db.session.get(ScheduledRun, retention.JOB_NAME).last_result is not None


def test_articles_survive_their_purged_ticket_without_the_link(app):
    with app.app_context():
        result = intake(InboundMessage(channel="sms", sender_phone="+46701234567", body_text="x"))
        result.ticket.status = "closed"
        db.session.flush()
        db.session.add(
            Article(
                slug="a-1",
                title="How to reset",
                problem="p",
                resolution="r",
                status="published",
                source_ticket_id=result.ticket.id,
                redaction_report={"total": 0},
            )
        )
        db.session.commit()
    _age(app, 40)
    with app.app_context():
        retention.set_periods({"messages": 30})
        db.session.commit()
        batch = retention.purge_batch("messages", retention.cutoffs()["messages"], 100)
        db.session.commit()
        assert batch.rows >= 3
        article = db.session.scalar(select(Article))
        assert article.status == "published" and article.source_ticket_id is None


def test_short_lived_records_go_but_wrong_code_counts_stay(app):
    old = utcnow() - timedelta(days=40)
    with app.app_context():
        db.session.add_all(
            [
                RateEvent(key="ack:anna@example.test", at=old),
                RateEvent(key="otp-fail:7", at=old),  # locks until an admin unlocks
                RateEvent(key="ack:bo@example.test"),
                WebhookReceipt(kind="call", sid="CA1", status="", received_at=old),
            ]
        )
        db.session.commit()
        assert retention.purge_short_lived() == {"rate_events": 1, "webhook_receipts": 1}
        db.session.commit()
        keys = sorted(db.session.scalars(select(RateEvent.key)))
        assert keys == ["ack:bo@example.test", "otp-fail:7"]
