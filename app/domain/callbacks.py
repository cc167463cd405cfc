"""Callback requests: "please call me back", from the web form, one SMS word or the phone menu.

A callback has a preferred window; the queue shows due callbacks first. Agents call from the
queue (click-to-call: our number rings the agent first, then dials the customer). A customer
who does not answer is tried again later with backoff, then told by SMS how to ask again.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from app.domain import audit, hours, outbox, sla
from app.domain.audit import SYSTEM, Actor
from app.domain.contacts import find_phone_numbers
from app.domain.errors import DomainError
from app.domain.intake import InboundMessage, intake
from app.domain.text import single_line
from app.extensions import db
from app.models import Agent, Call, CallbackRequest, Customer, Ticket
from app.models.base import utcnow
from app.models.enums import CallbackStatus
from app.models.telephony import CALLBACK_WINDOWS

WINDOW_HOURS = {"morning": (8, 12), "afternoon": (12, 17)}
FINAL_DIAL_FAILURES = ("busy", "no-answer", "failed", "canceled")
OUTCOMES = ("reached", "voicemail", "no_answer", "wrong_number")


class CallbackError(DomainError):
    """A request we cannot act on; the message is safe to show."""


def window_bounds(window: str, now: datetime | None = None) -> tuple[datetime, datetime | None]:
    """UTC start/end of a preferred window, in the business's own time zone and hours.

    "asap" starts now while we are open, else when we next open (a request at 23:40 is not
    due, and not first in the queue, before the morning). Dated windows ("2026-11-27_morning",
    as the form offers them from `hours.next_windows`) must still be ahead."""
    now = now or utcnow()
    if window == "asap":
        if hours.is_open(now):
            return now, None
        first = hours.first_call_window(now)
        return (first.start if first else now), None
    dated = hours.window_by_key(window, now)
    if dated is not None:
        return max(dated.start, now), dated.end
    if window not in CALLBACK_WINDOWS:
        raise CallbackError(_l("That time has passed or we are closed then. Choose another time."))
    zone = ZoneInfo(current_app.config["BUSINESS_TIMEZONE"])
    day_name, part = window.split("_")
    local_now = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    day = local_now.date() + timedelta(days=1 if day_name == "tomorrow" else 0)
    start_hour, end_hour = WINDOW_HOURS[part]

    def to_utc(hour: int) -> datetime:
        local = datetime.combine(day, time(hour), tzinfo=zone)
        return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    start, end = to_utc(start_hour), to_utc(end_hour)
    return max(start, now) if end > now else start, end


def request_callback(
    *,
    phone: str,
    source: str,
    window: str = "asap",
    name: str | None = None,
    topic: str | None = None,
    language: str | None = None,
    external_sid: str | None = None,
    confirm_by_sms: bool = True,
) -> CallbackRequest:
    """Record a callback request on the customer's ticket. A second request while one is
    pending updates that one instead of queueing the customer twice."""
    topic = single_line(topic, 200) or None
    name = single_line(name, 120) or None
    start, end = window_bounds(window)
    when = {"asap": "as soon as possible"}.get(window, window.replace("_", " "))
    body = f"Please call me back ({when})." + (f" Topic: {topic}" if topic else "")
    result = intake(
        InboundMessage(
            channel="web" if source == "web" else source,
            body_text=body,
            subject=topic or "Callback request",
            sender_phone=phone,
            sender_name=name,
            language=language,
            external_sid=external_sid,
            continue_open_ticket=True,
            priority=2,
            meta={"kind": "callback_request", "window": window},
        )
    )
    existing = db.session.scalar(
        select(CallbackRequest).where(
            CallbackRequest.customer_id == result.ticket.customer_id,
            CallbackRequest.status.in_((CallbackStatus.PENDING, CallbackStatus.DIALING)),
        )
    )
    if existing is not None:
        existing.window, existing.window_start, existing.window_end = window, start, end
        existing.topic = topic or existing.topic
        sla.set_callback_due(existing)
        return existing
    callback = CallbackRequest(
        ticket=result.ticket,
        customer=result.ticket.customer,
        phone=phone,
        window=window,
        window_start=start,
        window_end=end,
        topic=topic,
        source=source,
    )
    sla.set_callback_due(callback)
    db.session.add(callback)
    db.session.flush()
    audit.record(SYSTEM, "callback.requested", ticket_id=result.ticket.id, source=source)
    if confirm_by_sms:
        outbox.enqueue("callback.confirm", callback_id=callback.id)
    return callback


def pending_for_phone(phone: str) -> CallbackRequest | None:
    """A request to call this number that is still waiting (a repeat is good news, not new work)."""
    return db.session.scalar(
        select(CallbackRequest)
        .where(CallbackRequest.phone == phone, CallbackRequest.status.in_(("pending", "dialing")))
        .order_by(CallbackRequest.id.desc())
        .limit(1)
    )


def request_from_public_form(
    *,
    phone: str,
    name: str,
    window: str = "asap",
    topic: str | None = None,
    language: str | None = None,
) -> CallbackRequest:
    """The public web form: it proves nothing about who is typing, so it always opens a new
    ticket and never changes a stored customer. When the number is already a customer's, the
    new request belongs to a new customer record and carries a hint for the agent ("same
    number as customer X"), like caller ID: shown, never trusted."""
    topic = single_line(topic, 200) or None  # a typed CR/LF must never reach a mail header
    name = single_line(name, 120)
    start, end = window_bounds(window)
    owner = db.session.scalar(select(Customer).where(Customer.phone == phone))
    meta: dict = {"kind": "callback_request", "window": window, "phone": phone}
    if owner is not None:
        meta["same_number_as_customer"] = owner.id
    when = {"asap": "as soon as possible"}.get(window, window.replace("_", " "))
    result = intake(
        InboundMessage(
            channel="web",
            body_text=f"Please call me back ({when})." + (f" Topic: {topic}" if topic else ""),
            subject=topic or "Callback request",
            sender_phone=None if owner is not None else phone,
            sender_name=name,
            language=language,
            priority=2,
            meta=meta,
        )
    )
    callback = CallbackRequest(
        ticket=result.ticket,
        customer=result.ticket.customer,
        phone=phone,
        window=window,
        window_start=start,
        window_end=end,
        topic=topic,
        source="web",
    )
    sla.set_callback_due(callback)
    db.session.add(callback)
    db.session.flush()
    audit.record(
        SYSTEM,
        "callback.requested",
        ticket_id=result.ticket.id,
        source="web",
        same_number_as_customer=meta.get("same_number_as_customer"),
    )
    outbox.enqueue("callback.confirm", callback_id=callback.id)
    return callback


def describe_callback(callback: CallbackRequest, locale: str = "en") -> str:
    """When we will call, in words: "tomorrow between 8 and 12", "today between 14 and 17"."""
    now = utcnow()
    start = max(callback.window_start, now)
    for window in hours.next_windows(now, 8):
        if window.end > start:
            return hours.describe_window(window, now, locale)
    return hours.describe_next_call(now, locale)


def same_number_hint(ticket: Ticket) -> Customer | None:
    """The existing customer whose number a public-form request used (a hint, not a match)."""
    for message in ticket.messages:
        owner_id = (message.meta or {}).get("same_number_as_customer")
        if owner_id:
            return db.session.get(Customer, owner_id)
    return None


def due_clause(now: datetime):
    """Pending callbacks whose window has begun and whose retry time (if any) has come."""
    return and_(
        CallbackRequest.status == CallbackStatus.PENDING,
        CallbackRequest.window_start <= now,
        or_(CallbackRequest.next_attempt_at.is_(None), CallbackRequest.next_attempt_at <= now),
    )


def due_callbacks(limit: int = 50, now: datetime | None = None) -> list[CallbackRequest]:
    """What the agents should call now: earliest window first, then oldest request."""
    now = now or utcnow()
    return db.session.scalars(
        select(CallbackRequest)
        .where(due_clause(now))
        .order_by(CallbackRequest.window_start, CallbackRequest.created_at, CallbackRequest.id)
        .limit(limit)
    ).all()


def queue_position(callback: CallbackRequest) -> int:
    """1 + the pending callbacks that will be called before this one."""
    ahead = db.session.scalar(
        select(func.count()).where(
            CallbackRequest.status == CallbackStatus.PENDING,
            CallbackRequest.id != callback.id,
            or_(
                CallbackRequest.window_start < callback.window_start,
                and_(
                    CallbackRequest.window_start == callback.window_start,
                    CallbackRequest.created_at <= callback.created_at,
                ),
            ),
        )
    )
    return ahead + 1


def pending_callback(ticket: Ticket) -> CallbackRequest | None:
    return db.session.scalar(
        select(CallbackRequest)
        .where(
            CallbackRequest.ticket_id == ticket.id,
            CallbackRequest.status.in_((CallbackStatus.PENDING, CallbackStatus.DIALING)),
        )
        .order_by(CallbackRequest.id.desc())
    )


def numbers_in_mail(ticket: Ticket) -> list[str]:
    """Phone numbers the customer wrote in their mail on this ticket, not already on file."""
    region = current_app.config["PHONE_DEFAULT_REGION"]
    found: list[str] = []
    for message in ticket.messages:
        if message.direction != "in" or message.channel != "email" or message.is_internal:
            continue
        for number in find_phone_numbers(message.body_text or "", region):
            if number != ticket.customer.phone and number not in found:
                found.append(number)
    return found[:5]


def start_call(ticket: Ticket, agent: Agent, number: str | None = None) -> Call:
    """Click-to-call: ring the agent's own phone, then dial the customer (from a job).

    `number`: one the customer wrote in their mail (see `numbers_in_mail`), else the number
    on file or the one the callback request gave."""
    customer: Customer = ticket.customer
    callback = pending_callback(ticket)
    if number is not None and number not in numbers_in_mail(ticket):
        raise CallbackError(_l("That number is not in the customer's messages."))
    to_number = number or customer.phone or (callback.phone if callback else None)
    if not to_number:
        raise CallbackError(_l("This customer has no phone number on file."))
    if not agent.phone:
        raise CallbackError(_l("Add your own phone number to your profile to call from here."))
    call = Call(
        ticket_id=ticket.id,
        callback_id=callback.id if callback else None,
        agent_id=agent.id,
        direction="out",
        from_number=current_app.config["TWILIO_NUMBER"],
        to_number=to_number,
        status="queued",
    )
    db.session.add(call)
    if callback is not None:
        callback.status = CallbackStatus.DIALING
        callback.attempts += 1
    db.session.flush()
    outbox.enqueue("call.place", call_id=call.id)
    audit.record(Actor.agent(agent.id), "call.started", ticket_id=ticket.id, call_id=call.id)
    return call


def record_dial_result(call: Call, dial_status: str, duration: int | None) -> None:
    """The customer's leg ended: answered, or not (then retry later, then tell them by SMS)."""
    call.status = dial_status
    if duration is not None:
        call.duration_seconds = duration
    callback = db.session.get(CallbackRequest, call.callback_id) if call.callback_id else None
    if dial_status == "completed":
        call.outcome = call.outcome or "reached"
        if callback is not None:
            callback.status, callback.outcome = CallbackStatus.COMPLETED, "reached"
            sla.record_callback_reached(callback, utcnow())
        return
    if dial_status not in FINAL_DIAL_FAILURES:
        return
    call.outcome = "no_answer" if dial_status in ("no-answer", "busy") else "failed"
    if callback is not None:
        schedule_retry(callback)


def schedule_retry(callback: CallbackRequest) -> None:
    config = current_app.config
    if callback.attempts < config["CALLBACK_MAX_ATTEMPTS"]:
        steps = config["CALLBACK_RETRY_MINUTES"] or [15]
        delay = steps[min(callback.attempts - 1, len(steps) - 1)] if callback.attempts else 0
        callback.status = CallbackStatus.PENDING
        callback.next_attempt_at = utcnow() + timedelta(minutes=delay)
        return
    callback.status, callback.outcome = CallbackStatus.NO_ANSWER, "no_answer"
    outbox.enqueue("callback.gave_up", callback_id=callback.id)
    audit.record(SYSTEM, "callback.gave_up", ticket_id=callback.ticket_id)


def record_outcome(call: Call, agent: Agent, outcome: str, notes: str) -> None:
    """The agent's own account of the call: it overrides what the network reported."""
    if outcome not in OUTCOMES:
        raise CallbackError(_l("Choose what happened on the call."))
    call.outcome = outcome
    call.notes = (notes or "").strip()[:2000] or None
    callback = db.session.get(CallbackRequest, call.callback_id) if call.callback_id else None
    if callback is not None:
        if outcome == "reached":
            callback.status, callback.outcome = CallbackStatus.COMPLETED, "reached"
            sla.record_callback_reached(callback, utcnow())
        elif outcome == "wrong_number":
            callback.status, callback.outcome = CallbackStatus.FAILED, "wrong_number"
        elif callback.status in (CallbackStatus.DIALING, CallbackStatus.PENDING):
            schedule_retry(callback)
    audit.record(
        Actor.agent(agent.id),
        "call.outcome",
        ticket_id=call.ticket_id,
        call_id=call.id,
        outcome=outcome,
    )
