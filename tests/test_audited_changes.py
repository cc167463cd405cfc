"""State changes that used to happen in views now go through audited domain functions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain import agents, calls, identity
from app.domain.agents import AgentError
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Agent, AuditEvent, Call, Message
from app.models.base import utcnow
from app.models.enums import Role


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def admin(ctx):
    agent = agents.upsert_agent("boss@example.test", "correct-horse-battery", role="admin")
    db.session.commit()
    return agent


def test_call_status_amd_and_inbound_calls_are_audited(ctx):
    call = calls.record_inbound_call("CA1", "+46701234567", "+46850000000")
    calls.record_call_status("CA1", "completed", duration_seconds=42, answered_by="human")
    calls.record_answered_by(call, "machine_end_beep")
    assert calls.record_call_status("CA-unknown", "completed") is None
    db.session.commit()
    stored = db.session.scalar(select(Call).where(Call.call_sid == "CA1"))
    assert (stored.status, stored.duration_seconds, stored.outcome) == (
        "completed",
        42,
        "voicemail",
    )
    assert _actions() == ["call.inbound", "call.status", "call.answered_by"]
    details = db.session.scalars(select(AuditEvent.detail)).all()
    assert "+46701234567" not in repr(details)  # ids and states only


def test_transcription_and_sms_delivery_are_audited(ctx):
    result = intake(
        InboundMessage(
            channel="voice",
            body_text="Voicemail (12 s). Transcription pending.",
            sender_phone="+46701234567",
            external_sid="RE1",
            meta={"duration": "12"},
        )
    )
    result.message.external_sid = "RE1"
    db.session.commit()
    assert calls.add_transcription("RE1", " My heater is broken ") is result.message
    db.session.commit()
    assert result.message.body_text == "Voicemail (12 s): My heater is broken"
    outgoing = Message(
        ticket=result.ticket, direction="out", channel="sms", external_sid="SM9", body_text="x"
    )
    db.session.add(outgoing)
    db.session.flush()
    calls.record_sms_status("SM9", "undelivered", "30003")
    assert calls.record_sms_status("SM9", "delivered") is None  # a failure is final
    db.session.commit()
    assert (outgoing.delivery_status, outgoing.delivery_error) == ("failed", "Twilio error 30003")
    actions = _actions()
    assert "message.transcribed" in actions and actions.count("message.delivery_status") == 1


def test_contact_changes_need_verification_and_are_audited(ctx, admin):
    ticket = intake(
        InboundMessage(channel="email", sender_email="anna@example.test", body_text="hi")
    ).ticket
    db.session.commit()
    with pytest.raises(identity.VerificationRequired):
        identity.change_contact(ticket, admin, phone="070-123 45 67")
    assert ticket.customer.phone is None
    ticket.verified_until, ticket.verified_level = utcnow() + timedelta(minutes=5), "phone"
    identity.change_contact(ticket, admin, phone="070-123 45 67", address=" Storgatan 1 ")
    db.session.commit()
    assert ticket.customer.phone == "+46701234567" and ticket.customer.address == "Storgatan 1"
    assert ticket.customer.phone_changed_at is not None
    assert _actions()[-2:] == ["identity.refused", "customer.contact_changed"]


def test_role_changes_are_audited_and_admins_keep_their_own_rights(ctx, admin):
    other = agents.upsert_agent("sam@example.test", "correct-horse-battery")
    db.session.commit()
    agents.update_agent(other, role=Role.ADMIN, active=True, admin=admin)
    with pytest.raises(AgentError):
        agents.update_agent(admin, role=Role.AGENT, active=True, admin=admin)
    with pytest.raises(AgentError):
        agents.update_agent(admin, role=Role.ADMIN, active=False, admin=admin)
    db.session.commit()
    assert db.session.get(Agent, other.id).role == "admin"
    assert db.session.get(Agent, admin.id).role == "admin"
    assert _actions() == ["agent.updated"]
