"""What an agent should do next: the queue query, ticket search, canned replies.

Presence (who else is on a ticket) lives in Redis: `app.adapters.presence`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, text

from app.domain import sla
from app.domain.contacts import InvalidContact, normalize_email, normalize_phone
from app.extensions import db
from app.models import Agent, CannedReply, Customer, Ticket, TicketTag
from app.models.ticket import ACTIVE_SQL

PAGE_SIZE = 50
# A common first name matches tens of thousands of customers: take the newest tickets of
# the first 150 by name (typing more narrows it), which keeps a name search ~2 ms at 1M.
NAME_LIMIT = 150
REFERENCE = re.compile(r"^\s*(HD-\d{4,9})\s*$", re.IGNORECASE)


@dataclass
class QueueFilter:
    scope: str = "all"  # mine | unassigned | all
    status: str = "active"  # active (new/open/waiting) or one status
    channel: str = ""
    query: str = ""
    page: int = 1
    tag: str = ""
    overdue: bool = False  # only tickets with an overdue SLA clock (response or callback)


def queue_page(agent: Agent, flt: QueueFilter) -> tuple[list[Ticket], bool]:
    """One page of tickets, most urgent then longest waiting first; and whether more exist.

    Uses the (status, priority, created_at) index; keyset-free offset paging is fine for
    the first pages agents actually look at.
    """
    statement = select(Ticket)
    if flt.status == "active" and not flt.query.strip():
        # The literal predicate of the partial index ix_tickets_active_queue, so the
        # database can read the queue in order from it instead of sorting.
        statement = statement.where(text(f"tickets.{ACTIVE_SQL}"))
    elif flt.status != "active":
        statement = statement.where(Ticket.status == flt.status)
    # A search looks through every ticket unless the agent picked a status.
    if flt.scope == "mine":
        statement = statement.where(Ticket.assignee_id == agent.id)
    elif flt.scope == "unassigned":
        statement = statement.where(Ticket.assignee_id.is_(None))
    if flt.channel:
        statement = statement.where(Ticket.channel == flt.channel)
    if flt.query.strip():
        statement = statement.where(Ticket.id.in_(search_ids(flt.query)))
    if flt.overdue:
        statement = statement.where(sla.overdue_clause())
    if flt.tag:
        statement = statement.where(
            Ticket.id.in_(select(TicketTag.ticket_id).where(TicketTag.tag == flt.tag))
        )
    statement = statement.order_by(Ticket.priority.desc(), Ticket.created_at.asc(), Ticket.id.asc())
    offset = (max(flt.page, 1) - 1) * PAGE_SIZE
    rows = db.session.scalars(statement.offset(offset).limit(PAGE_SIZE + 1)).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def search_ids(query: str, limit: int = 500):
    """Ticket ids matching a reference, a customer's email/phone/name, a subject or message text.

    Exact identifiers use indexes; words use the full-text index; names match by prefix.
    """
    query = query.strip()
    match = REFERENCE.match(query)
    if match:
        return select(Ticket.id).where(Ticket.reference == match.group(1).upper())
    customer_ids = None
    try:
        customer_ids = select(Customer.id).where(Customer.email == normalize_email(query))
    except InvalidContact:
        try:
            phone = normalize_phone(query, current_app.config["PHONE_DEFAULT_REGION"])
            customer_ids = select(Customer.id).where(Customer.phone == phone)
        except InvalidContact:
            pass
    if customer_ids is not None:
        return select(Ticket.id).where(Ticket.customer_id.in_(customer_ids))
    ids = set(_text_matches(query, limit)) | set(_name_matches(query, min(limit, NAME_LIMIT)))
    return select(Ticket.id).where(Ticket.id.in_(ids or [0]))


def _name_matches(query: str, limit: int) -> list[int]:
    """Tickets of customers whose name, or the name after its first word (a surname),
    starts with the query in any case, å/ä/ö included: a range on the Python-folded
    columns of migration 1704, indexed on SQLite and PostgreSQL alike."""
    prefix = " ".join(query.split()).casefold()[:100]
    if not prefix or any(c.isdigit() for c in prefix):
        return []
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    by_name = select(Customer.id).where(
        Customer.name_folded >= prefix, Customer.name_folded < upper
    )
    by_tail = select(Customer.id).where(
        Customer.name_tail_folded >= prefix, Customer.name_tail_folded < upper
    )
    customer_ids = set(db.session.scalars(by_name.limit(limit))) | set(
        db.session.scalars(by_tail.limit(limit))
    )
    if not customer_ids:
        return []
    return list(
        db.session.scalars(
            select(Ticket.id)
            .where(Ticket.customer_id.in_(customer_ids))
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
    )


def _text_matches(query: str, limit: int) -> list[int]:
    """Tickets whose messages (subject or text) contain every word, newest first, via the
    full-text index of migration 0402 (a LIKE over every message took seconds at 1M)."""
    words = re.findall(r"\w+", query.lower())[:8]
    if not words:
        return []
    if db.session.get_bind().dialect.name == "sqlite":
        sql = text(
            "SELECT DISTINCT m.ticket_id FROM messages m WHERE m.id IN ("
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q "
            "ORDER BY rowid DESC LIMIT :limit)"
        )
        params = {"q": " ".join(f'"{w}"' for w in words), "limit": limit}
    else:
        sql = text(
            "SELECT DISTINCT ticket_id FROM (SELECT ticket_id FROM messages WHERE "
            "to_tsvector('simple', coalesce(subject, '') || ' ' || body_text) "
            "@@ plainto_tsquery('simple', :q) ORDER BY id DESC LIMIT :limit) recent"
        )
        params = {"q": " ".join(words), "limit": limit}
    return list(db.session.execute(sql, params).scalars())


def render_canned(reply: CannedReply, ticket: Ticket, agent: Agent) -> str:
    """Fill {customer_name}, {reference}, {agent_name} placeholders; unknown ones stay."""
    values = {
        "customer_name": (ticket.customer.name or "").split(" ")[0] or "",
        "reference": ticket.reference,
        "agent_name": agent.name,
        "subject": ticket.subject,
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), reply.body)
