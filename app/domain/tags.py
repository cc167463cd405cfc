"""Tags on tickets: short lower-case labels agents add, remove and filter the queue by.

Tags are not versioned changes: adding one never makes a colleague's open reply stale.
"""

from __future__ import annotations

import re
import time

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from app.domain import audit
from app.domain.audit import Actor
from app.domain.tickets import TicketError
from app.extensions import db
from app.models import Ticket, TicketTag

MAX_TAGS_PER_TICKET = 20
TAG_LENGTH = 40
_NOT_TAG = re.compile(r"[^\w-]+")


class TagError(TicketError):
    """A tag the rules refuse; the message is safe to show to an agent."""


def normalize(raw: str) -> str:
    """'Fiber Outage ' -> 'fiber-outage'; letters of any language (å, ä, ö) are kept."""
    tag = _NOT_TAG.sub("-", (raw or "").strip().casefold()).strip("-_")
    return re.sub("-{2,}", "-", tag)[:TAG_LENGTH]


def parse(text: str) -> list[str]:
    """Comma-separated tags ("Fiber outage" becomes "fiber-outage"), without repeats."""
    seen: list[str] = []
    for part in re.split(r"[,;\n]+", text or ""):
        tag = normalize(part)
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def tags_of(ticket_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id).order_by(TicketTag.tag)
        )
    )


def tags_for(ticket_ids: list[int]) -> dict[int, list[str]]:
    """Tags of many tickets in one query (the queue page)."""
    result: dict[int, list[str]] = {}
    if not ticket_ids:
        return result
    rows = db.session.execute(
        select(TicketTag.ticket_id, TicketTag.tag)
        .where(TicketTag.ticket_id.in_(ticket_ids))
        .order_by(TicketTag.tag)
    )
    for ticket_id, tag in rows:
        result.setdefault(ticket_id, []).append(tag)
    return result


def add(ticket: Ticket, text: str, actor: Actor) -> list[str]:
    """Add the tags in `text`; returns those that were new."""
    wanted = parse(text)
    if not wanted:
        raise TagError(_l("Type a tag: letters, digits and dashes."))
    existing = set(tags_of(ticket.id))
    new = [t for t in wanted if t not in existing]
    if len(existing) + len(new) > MAX_TAGS_PER_TICKET:
        raise TagError(_l("A ticket can have at most %(n)s tags.", n=MAX_TAGS_PER_TICKET))
    for tag in new:
        db.session.add(TicketTag(ticket_id=ticket.id, tag=tag))
    if new:
        forget_popular()
        db.session.flush()
        audit.record(actor, "ticket.tag_added", ticket_id=ticket.id, tags=new)
    return new


def remove(ticket: Ticket, tag: str, actor: Actor) -> bool:
    tag = normalize(tag)
    removed = db.session.execute(
        delete(TicketTag).where(TicketTag.ticket_id == ticket.id, TicketTag.tag == tag)
    ).rowcount
    if removed:
        audit.record(actor, "ticket.tag_removed", ticket_id=ticket.id, tags=[tag])
    return bool(removed)


_popular_cache: tuple[float, list[str]] | None = None
POPULAR_CACHE_SECONDS = 60


def popular(limit: int = 30, *, fresh: bool = False) -> list[str]:
    """The most used tags, for the queue's filter list. Counting every tag row is a scan,
    so the answer is cached per process for a minute (the queue page reloads often)."""
    global _popular_cache
    now = time.monotonic()
    if not fresh and _popular_cache and now - _popular_cache[0] < POPULAR_CACHE_SECONDS:
        return _popular_cache[1]
    found = list(
        db.session.scalars(
            select(TicketTag.tag)
            .group_by(TicketTag.tag)
            .order_by(func.count().desc(), TicketTag.tag)
            .limit(limit)
        )
    )
    _popular_cache = (now, found)
    return found


def forget_popular() -> None:
    global _popular_cache
    _popular_cache = None
