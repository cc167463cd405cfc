"""Trusted helpers: a relative or carer who may act for a customer.

Many of our customers manage with the help of a daughter, a neighbour or a home-care worker.
Rather than the helper pretending to be the customer (or an agent bending the rules), the
customer, verified by phone, names a helper: their own phone or email, which fields they may
hear, for which tickets, until when. The helper proves their own identity with a code to
their own contact. While the agent speaks with a helper the ticket page says so, only the
helper's fields are unlocked, and every use is audited with the helper's id. A helper can
never add another helper or change the customer's contact details.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.domain import audit, identity, ratelimit
from app.domain.audit import Actor
from app.domain.contacts import normalize_email, normalize_phone
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Agent, Ticket, TrustedHelper, VerificationChallenge
from app.models.base import utcnow

CUSTOMER_LEVELS = ("callback", "phone")  # a helper is added only by the customer, by phone
MAX_DAYS = 365


class HelperError(DomainError):
    """A helper change we refuse; the message is safe to show the agent."""


def active_helpers(ticket: Ticket) -> list[TrustedHelper]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(TrustedHelper)
            .where(
                TrustedHelper.customer_id == ticket.customer_id,
                TrustedHelper.revoked_at.is_(None),
                TrustedHelper.expires_at > now,
                or_(
                    TrustedHelper.scope_ticket_id.is_(None),
                    TrustedHelper.scope_ticket_id == ticket.id,
                ),
            )
            .order_by(TrustedHelper.id)
        )
    )


def speaking_with_helper(ticket: Ticket) -> TrustedHelper | None:
    """The helper this ticket is verified for right now, if the agent talks with a helper."""
    if identity.current_level(ticket) != "helper" or ticket.verified_helper_id is None:
        return None
    helper = db.session.get(TrustedHelper, ticket.verified_helper_id)
    if helper is None or helper not in active_helpers(ticket):
        return None
    return helper


def add_helper(
    ticket: Ticket,
    agent: Agent,
    *,
    name: str,
    phone: str | None,
    email: str | None,
    may_see: list[str],
    this_ticket_only: bool,
    days: int,
) -> TrustedHelper:
    """Record a helper the customer (verified by phone, not a helper) names on this call."""
    if identity.current_level(ticket) not in CUSTOMER_LEVELS:
        audit.record(
            Actor.agent(agent.id), "identity.refused", ticket_id=ticket.id, attempted="add helper"
        )
        raise HelperError(
            _l("Only the customer, verified by phone, can name a helper. A helper cannot.")
        )
    name = " ".join((name or "").split())[:120]
    if not name:
        raise HelperError(_l("Write the helper's name."))
    customer = ticket.customer
    phone = normalize_phone(phone) if phone else None
    email = normalize_email(email) if email else None
    if not phone and not email:
        raise HelperError(_l("The helper needs their own phone number or email."))
    if (phone and phone == customer.phone) or (email and email == customer.email):
        raise HelperError(_l("That is the customer's own contact, not a helper's."))
    if not 1 <= days <= MAX_DAYS:
        raise HelperError(_l("A helper can be named for 1 to 365 days."))
    allowed = [field for field in may_see if field in identity.PRIVATE_FIELDS]
    helper = TrustedHelper(
        customer_id=customer.id,
        name=name,
        phone=phone,
        email=email,
        scope_ticket_id=ticket.id if this_ticket_only else None,
        may_see=allowed,
        expires_at=utcnow() + timedelta(days=days),
        created_by_agent_id=agent.id,
    )
    db.session.add(helper)
    db.session.flush()
    audit.record(
        Actor.agent(agent.id),
        "helper.added",
        ticket_id=ticket.id,
        customer_id=customer.id,
        helper_id=helper.id,
        fields=allowed,
        days=days,
    )
    return helper


def revoke_helper(helper: TrustedHelper, ticket: Ticket, agent: Agent) -> None:
    if helper.revoked_at is None:
        helper.revoked_at = utcnow()
        if ticket.verified_helper_id == helper.id:
            ticket.verified_until = None
            ticket.verified_level = None
            ticket.verified_helper_id = None
        audit.record(
            Actor.agent(agent.id), "helper.revoked", ticket_id=ticket.id, helper_id=helper.id
        )


def start_helper_check(
    ticket: Ticket, agent: Agent, helper: TrustedHelper
) -> VerificationChallenge:
    """A code to the helper's own contact (SMS if they have a phone, else email)."""
    if helper not in active_helpers(ticket):
        raise HelperError(_l("This helper is no longer allowed to act for the customer."))
    limit = current_app.config["OTP_SENDS_PER_HOUR"]
    if not ratelimit.consume(f"otp-send:helper:{helper.id}", limit, 3600):
        raise HelperError(_l("Too many codes to this helper in the last hour. Please wait."))
    return identity.queue_challenge(
        ticket,
        "sms" if helper.phone else "email",
        Actor.agent(agent.id),
        agent_id=agent.id,
        helper_id=helper.id,
    )
