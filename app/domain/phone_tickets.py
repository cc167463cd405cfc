"""Tickets an agent opens while a customer is on the phone (they rang the main number).

The agent finds or creates the customer by phone number, says how the caller was
identified, and the call is logged on the new ticket. How the caller was identified is a
note for colleagues, never verification: only the identity check unlocks private fields.
A caller ID typed from the agent's phone is stored as the call's number, so the identity
panel shows it as a hint (it can be faked) like any other caller ID.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import audit, customer_merge, integrations, sla, tickets
from app.domain.audit import Actor
from app.domain.contacts import InvalidContact, normalize_phone
from app.domain.tickets import TicketError
from app.extensions import db
from app.models import Agent, Call, Customer, Message, Ticket
from app.models.base import utcnow

IDENTIFIED_BY = {
    "caller_id": _l("Their number showed on my phone (caller ID: a hint, it can be faked)"),
    "stated": _l("The caller told me their number"),
    "unknown": _l("Number withheld or not given: not identified"),
}


class PhoneTicketError(TicketError):
    """Refused; the message is safe to show to the agent."""


@dataclass
class CallerDetails:
    phone: str = ""
    name: str = ""
    subject: str = ""
    notes: str = ""
    identified_by: str = "stated"
    priority: int = 1


def find_caller(raw_phone: str, region: str = "SE") -> tuple[str | None, Customer | None]:
    """The normalized number and the customer who has it, if any (no private data shown)."""
    if not (raw_phone or "").strip():
        return None, None
    phone = normalize_phone(raw_phone, region)
    customer = db.session.scalar(select(Customer).where(Customer.phone == phone))
    return phone, customer_merge.follow(customer) if customer is not None else None


def open_for_caller(details: CallerDetails, agent: Agent, *, region: str = "SE") -> Ticket:
    """Open a ticket for the caller, assigned to the agent, with the call logged on it."""
    if details.identified_by not in IDENTIFIED_BY:
        raise PhoneTicketError(_l("Say how the caller was identified."))
    subject = " ".join((details.subject or "").split())[:300]
    if not subject:
        raise PhoneTicketError(_l("Write what the call is about."))
    try:
        phone, customer = find_caller(details.phone, region)
    except InvalidContact as error:
        raise PhoneTicketError(_l("That is not a phone number.")) from error
    if phone is None and details.identified_by != "unknown":
        raise PhoneTicketError(_l("Type the caller's phone number."))
    if details.priority not in (0, 1, 2, 3):
        raise PhoneTicketError(_l("Priority must be low, normal, high or urgent."))
    name = " ".join((details.name or "").split())[:200] or None
    created_customer = customer is None
    if customer is None:
        customer = Customer(name=name, phone=phone)
        db.session.add(customer)
        db.session.flush()
    elif name and not customer.name:
        customer.name = name
    now = utcnow()
    ticket = Ticket(
        reference=tickets.new_reference(),
        subject=subject,
        status="open",
        priority=details.priority,
        channel="voice",
        customer=customer,
        assignee_id=agent.id,
        language=customer.language or "en",
        created_at=now,
        last_customer_message_at=now,
        first_response_at=now,  # the agent is talking with the customer
    )
    db.session.add(ticket)
    sla.record_first_response(ticket, now)
    sla.refresh_due(ticket, now)
    db.session.flush()
    actor = Actor.agent(agent.id)
    audit.record(
        actor,
        "ticket.opened",
        ticket_id=ticket.id,
        customer_id=customer.id,
        channel="voice",
        opened_by_agent=True,
        identified_by=details.identified_by,
        new_customer=created_customer,
    )
    db.session.add(
        Call(
            ticket_id=ticket.id,
            agent_id=agent.id,
            direction="in",
            from_number=phone if details.identified_by == "caller_id" else None,
            status="completed",
            answered_by="human",
            outcome="answered_by_agent",
            notes=(details.notes or "").strip()[:20000] or None,
            created_at=now,
        )
    )
    db.session.add(
        Message(
            ticket=ticket,
            direction="out",
            channel="note",
            is_internal=True,
            author_agent_id=agent.id,
            body_text=str(
                _l(
                    "Opened during a phone call. How the caller was identified: %(how)s",
                    how=IDENTIFIED_BY[details.identified_by],
                )
            ),
            meta={"kind": "phone_intake", "identified_by": details.identified_by},
            created_at=now,
        )
    )
    db.session.flush()
    integrations.emit("ticket.created", ticket)
    return ticket
