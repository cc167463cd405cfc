"""One customer across channels: merging two customers, splitting a wrong merge, suggestions.

Rules (why they are here):
- Never automatic: `suggestions` only proposes; an agent merges, and every merge/split is
  audited (ids only) and recorded in `CustomerMerge` so it can be undone.
- Verification never carries across: every ticket of both customers loses its current
  verification, live codes of the merged customer die, and a contact detail that moves to
  the kept customer counts as *just changed* (so a code to it does not verify on its own
  for the identity check's "recently changed" period).
- Risky merges ask first: merging a customer into themselves, or two customers who each
  proved a *different* phone number, needs an explicit confirmation and a written reason.
- A customer locked after too many wrong codes is not merged until an admin unlocks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from app.domain import audit, identity
from app.domain.audit import Actor
from app.domain.errors import DomainError
from app.extensions import db
from app.models import (
    CallbackRequest,
    Customer,
    CustomerMerge,
    Message,
    Ticket,
    VerificationChallenge,
)
from app.models.base import utcnow

SNAPSHOT_FIELDS = (
    "name",
    "email",
    "phone",
    "language",
    "address",
    "account_number",
    "care_note",
    "sms_opted_out",
)
CONTACT_FIELDS = ("email", "phone")
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class MergeError(DomainError):
    """A merge or split the rules refuse; the message is safe to show to an agent."""


class ConfirmationNeeded(MergeError):
    """The merge may be wrong: the agent must confirm and say why."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__("; ".join(str(w) for w in warnings))
        self.warnings = warnings


WARNINGS = {
    "same_customer": _l("This is the same customer: there is nothing to merge."),
    "different_verified_phones": _l(
        "Both customers proved a phone number, and the numbers differ. They may be two people."
    ),
}


def _snapshot(customer: Customer) -> dict:
    return {name: getattr(customer, name) for name in SNAPSHOT_FIELDS}


def proven_phone(customer: Customer) -> bool:
    """Did this customer ever prove their phone (a code by SMS/voice, or a phone-verified
    ticket)? Used to spot two different people behind two verified numbers."""
    by_code = db.session.scalar(
        select(VerificationChallenge.id)
        .where(
            VerificationChallenge.customer_id == customer.id,
            VerificationChallenge.channel.in_(("sms", "voice")),
            VerificationChallenge.used_at.is_not(None),
        )
        .limit(1)
    )
    if by_code is not None:
        return True
    by_ticket = db.session.scalar(
        select(Ticket.id)
        .where(Ticket.customer_id == customer.id, Ticket.verified_level == "phone")
        .limit(1)
    )
    return by_ticket is not None


def warnings_for(source: Customer, target: Customer) -> list[str]:
    """The reasons this merge needs an explicit confirmation (keys of WARNINGS)."""
    if source.id == target.id:
        return ["same_customer"]
    found = []
    if (
        source.phone
        and target.phone
        and source.phone != target.phone
        and proven_phone(source)
        and proven_phone(target)
    ):
        found.append("different_verified_phones")
    return found


def _reset_verification(customer_ids: list[int]) -> None:
    db.session.execute(
        update(Ticket)
        .where(Ticket.customer_id.in_(customer_ids))
        .values(verified_until=None, verified_level=None)
    )


def merge(
    source: Customer,
    target: Customer,
    actor: Actor,
    *,
    reason: str = "",
    confirmed: bool = False,
) -> CustomerMerge | None:
    """Merge `source` into `target` (target is kept). Returns the merge record, or None when
    a self-merge was confirmed (nothing moves; the confirmation and reason are audited)."""
    reason = (reason or "").strip()[:2000]
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise MergeError(_l("One of these customers was already merged into another."))
    warnings = warnings_for(source, target)
    if warnings and not (confirmed and reason):
        raise ConfirmationNeeded([WARNINGS[w] for w in warnings])
    if "same_customer" in warnings:
        audit.record(
            actor, "customer.merge_self_confirmed", customer_id=target.id, reason_given=True
        )
        return None
    if identity.is_locked(source) or identity.is_locked(target):
        raise MergeError(
            _l("A customer is locked after too many wrong codes: an admin must unlock first.")
        )
    now = utcnow()
    snapshot = _snapshot(source)
    ticket_ids = list(db.session.scalars(select(Ticket.id).where(Ticket.customer_id == source.id)))
    callback_ids = list(
        db.session.scalars(
            select(CallbackRequest.id).where(CallbackRequest.customer_id == source.id)
        )
    )
    # Contacts the kept customer lacks move over, counted as just changed (identity rule).
    taken: list[str] = []
    for name in CONTACT_FIELDS:
        value = getattr(source, name)
        if value and not getattr(target, name):
            setattr(source, name, None)
            db.session.flush()  # free the unique value before the target takes it
            setattr(target, name, value)
            setattr(target, f"{name}_changed_at", now)
            taken.append(name)
    if "phone" in taken and source.sms_opted_out:
        target.sms_opted_out, target.sms_opted_out_at = True, source.sms_opted_out_at
    if not target.name and source.name:
        target.name = source.name
        taken.append("name")
    for name in ("address", "account_number"):
        if getattr(source, name) and not getattr(target, name):
            setattr(target, name, getattr(source, name))
            taken.append(name)
    if source.care_note and source.care_note != target.care_note:
        previous = target.care_note
        combined = f"{previous} · {source.care_note}" if previous else source.care_note
        target.care_note = combined[:300]
        taken.append("care_note")
        snapshot["target_care_note"] = previous
    source.merged_into_id = target.id
    db.session.execute(
        update(Ticket).where(Ticket.id.in_(ticket_ids)).values(customer_id=target.id)
    )
    db.session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.id.in_(callback_ids))
        .values(customer_id=target.id)
    )
    db.session.execute(
        update(VerificationChallenge)
        .where(
            VerificationChallenge.customer_id.in_((source.id, target.id)),
            VerificationChallenge.used_at.is_(None),
        )
        .values(dead=True)
    )
    _reset_verification([source.id, target.id])
    record = CustomerMerge(
        source_id=source.id,
        target_id=target.id,
        agent_id=actor.id if actor.kind == "agent" else None,
        reason=reason or None,
        confirmed_warnings=warnings or None,
        snapshot=snapshot,
        moved={"tickets": ticket_ids, "callbacks": callback_ids, "taken": taken},
        created_at=now,
    )
    db.session.add(record)
    db.session.flush()
    db.session.expire_all()
    audit.record(
        actor,
        "customer.merged",
        customer_id=target.id,
        source_customer_id=source.id,
        merge_id=record.id,
        tickets=len(ticket_ids),
        confirmed_warnings=warnings or None,
        reason_given=bool(reason),
    )
    return record


def split(record: CustomerMerge, actor: Actor, *, reason: str = "") -> Customer:
    """Undo a merge: the merged customer gets back their details, tickets and callbacks
    (tickets opened after the merge stay with the kept customer). Verification is reset."""
    if record.split_at is not None:
        raise MergeError(_l("This merge was already undone."))
    source = db.session.get(Customer, record.source_id)
    target = db.session.get(Customer, record.target_id)
    snapshot, moved = record.snapshot, record.moved
    taken = set(moved.get("taken", []))
    for name in CONTACT_FIELDS:
        if name in taken and getattr(target, name) == snapshot.get(name):
            setattr(target, name, None)
            setattr(target, f"{name}_changed_at", utcnow())
    db.session.flush()
    for name in SNAPSHOT_FIELDS:
        if name in CONTACT_FIELDS and getattr(target, name) == snapshot.get(name):
            continue  # still the kept customer's own value: cannot be on both
        setattr(source, name, snapshot.get(name))
    for name in ("name", "address", "account_number"):
        if name in taken and getattr(target, name) == snapshot.get(name):
            setattr(target, name, None)
    if "care_note" in taken:
        target.care_note = snapshot.get("target_care_note")
    source.merged_into_id = None
    db.session.execute(
        update(Ticket)
        .where(Ticket.id.in_(moved.get("tickets", [])), Ticket.customer_id == target.id)
        .values(customer_id=source.id)
    )
    db.session.execute(
        update(CallbackRequest)
        .where(
            CallbackRequest.id.in_(moved.get("callbacks", [])),
            CallbackRequest.customer_id == target.id,
        )
        .values(customer_id=source.id)
    )
    _reset_verification([source.id, target.id])
    record.split_at = utcnow()
    record.split_by_agent_id = actor.id if actor.kind == "agent" else None
    record.split_reason = (reason or "").strip()[:2000] or None
    db.session.flush()
    db.session.expire_all()
    audit.record(
        actor,
        "customer.split",
        customer_id=record.target_id,
        source_customer_id=record.source_id,
        merge_id=record.id,
    )
    return source


def follow(customer: Customer) -> Customer:
    """The customer that is kept for a merged one (intake threads new messages there)."""
    seen = set()
    while customer.merged_into_id is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = db.session.get(Customer, customer.merged_into_id)
    return customer


@dataclass
class Suggestion:
    customer: Customer
    reasons: list[str] = field(default_factory=list)


def suggestions(customer: Customer, region: str = "SE", limit: int = 5) -> list[Suggestion]:
    """Customers who may be the same person — only a hint for the agent, never merged here.

    Same name (any case); a phone number written in this customer's mail (a signature)
    that belongs to another customer; an email address written in their SMS.
    """
    found: dict[int, Suggestion] = {}

    def add(other: Customer, reason: str) -> None:
        if other.id == customer.id or other.merged_into_id is not None:
            return
        found.setdefault(other.id, Suggestion(other)).reasons.append(reason)

    if customer.name_folded and len(customer.name_folded) >= 3:
        for other in db.session.scalars(
            select(Customer)
            .where(Customer.name_folded == customer.name_folded, Customer.id != customer.id)
            .limit(limit)
        ):
            add(other, str(_l("same name")))
    texts = db.session.execute(
        select(Message.channel, Message.body_text)
        .join(Ticket, Message.ticket_id == Ticket.id)
        .where(Ticket.customer_id == customer.id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(20)
    ).all()
    phones, emails = set(), set()
    for channel, body in texts:
        body = (body or "")[:20000]
        if channel == "email":
            for match in phonenumbers.PhoneNumberMatcher(body, region):
                phones.add(
                    phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
                )
        else:
            emails.update(e.lower() for e in EMAIL_IN_TEXT.findall(body))
    phones.discard(customer.phone)
    emails.discard(customer.email)
    if phones or emails:
        clauses = []
        if phones:
            clauses.append(Customer.phone.in_(sorted(phones)[:20]))
        if emails:
            clauses.append(Customer.email.in_(sorted(emails)[:20]))
        for other in db.session.scalars(select(Customer).where(or_(*clauses)).limit(limit)):
            if other.phone in phones:
                add(other, str(_l("their phone number is in this customer's mail")))
            if other.email in emails:
                add(other, str(_l("their email address is in this customer's SMS")))
    return list(found.values())[:limit]


def merges_into(customer: Customer) -> list[CustomerMerge]:
    return list(
        db.session.scalars(
            select(CustomerMerge)
            .where(CustomerMerge.target_id == customer.id)
            .order_by(CustomerMerge.id.desc())
        )
    )
