"""Service-level targets and their clocks, in business time.

Targets (minutes of opening hours) per priority: first response, next response (after the
customer wrote again) and resolution, with an optional faster first response per channel.
The clocks run only while we are open: opening hours, public holidays and closed days all
come from `app.domain.hours` (one calendar for callbacks and SLAs). A ticket waiting for the
customer has no running clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from app.domain import audit, hours, settings
from app.domain.audit import Actor
from app.domain.errors import DomainError
from app.models import Ticket
from app.models.base import utcnow

MEASURES = ("first_response", "next_response", "resolution")
PRIORITY_KEYS = ("0", "1", "2", "3")
CHANNEL_KEYS = ("email", "sms", "voice", "web")
MAX_MINUTES = 60 * 24 * 60  # 60 working days of 24 h: anything more is a typo
LOOKAHEAD_DAYS = 120
SETTING = "sla_targets"


class SlaError(DomainError):
    """Invalid targets; `field` names the input the message belongs to."""

    def __init__(self, message, field: str) -> None:
        super().__init__(message)
        self.field = field


def targets() -> dict:
    """{"priority": {"0".."3": {measure: minutes}}, "first_response_by_channel": {ch: minutes}}"""
    stored = settings.get(SETTING) or {}
    defaults = settings.DEFAULTS[SETTING]
    return {
        "priority": {
            p: {**defaults["priority"][p], **(stored.get("priority", {}).get(p) or {})}
            for p in PRIORITY_KEYS
        },
        "first_response_by_channel": dict(stored.get("first_response_by_channel") or {}),
    }


def parse_targets(form: dict[str, str]) -> dict:
    """Targets from form fields named "<priority>_<measure>" and "channel_<channel>"; raises
    SlaError naming the field of the first bad value."""

    def minutes(name: str, required: bool) -> int | None:
        raw = (form.get(name) or "").strip()
        if not raw:
            if required:
                raise SlaError(_l("Give a number of minutes."), name)
            return None
        if not raw.isdigit():
            raise SlaError(_l("Whole minutes only, for example 240."), name)
        value = int(raw)
        if not 1 <= value <= MAX_MINUTES:
            raise SlaError(
                _l("Between 1 and %(max)s minutes of opening hours.", max=MAX_MINUTES), name
            )
        return value

    priority = {p: {m: minutes(f"{p}_{m}", True) for m in MEASURES} for p in PRIORITY_KEYS}
    for p in PRIORITY_KEYS:
        first, resolution = priority[p]["first_response"], priority[p]["resolution"]
        if first > resolution:
            raise SlaError(
                _l("The first response cannot be due after the resolution."), f"{p}_first_response"
            )
    by_channel = {}
    for channel in CHANNEL_KEYS:
        value = minutes(f"channel_{channel}", False)
        if value is not None:
            by_channel[channel] = value
    return {"priority": priority, "first_response_by_channel": by_channel}


def save_targets(values: dict, actor: Actor) -> None:
    settings.put(SETTING, values)
    audit.record(actor, "settings.sla")


def add_business_minutes(start: datetime, minutes: float) -> datetime | None:
    """The instant `minutes` of opening hours after `start` (naive UTC); None if the
    calendar has no opening hours in the next LOOKAHEAD_DAYS."""
    day = hours.to_local(start).date()
    remaining = minutes
    for _ in range(LOOKAHEAD_DAYS):
        today = hours.hours_on(day)
        if today is not None:
            opens, closes = hours.to_utc(day, today[0]), hours.to_utc(day, today[1])
            begin = max(start, opens)
            if begin < closes:
                available = (closes - begin).total_seconds() / 60
                if remaining <= available:
                    return begin + timedelta(minutes=remaining)
                remaining -= available
        day += timedelta(days=1)
    return None


def business_minutes_between(start: datetime, end: datetime) -> float:
    """Minutes of opening hours from `start` to `end` (0 when end is before start)."""
    return hours.open_minutes_between(start, end)


@dataclass
class Clock:
    measure: str  # first_response | next_response
    due: datetime | None
    minutes_left: float  # business minutes; negative when overdue

    @property
    def overdue(self) -> bool:
        return self.minutes_left < 0


def running_clock(ticket: Ticket, now: datetime | None = None, table: dict | None = None):
    """The response clock that runs for this ticket now, or None (waiting, resolved,
    closed: the next move is the customer's, or there is none)."""
    if str(ticket.status) not in ("new", "open"):
        return None
    now = now or utcnow()
    table = table or targets()
    per_priority = table["priority"].get(str(ticket.priority), table["priority"]["1"])
    if ticket.first_response_at is None:
        measure, started = "first_response", ticket.created_at
        target = table["first_response_by_channel"].get(
            str(ticket.channel), per_priority["first_response"]
        )
    else:
        measure = "next_response"
        started = max(
            ticket.last_customer_message_at or ticket.created_at, ticket.first_response_at
        )
        target = per_priority["next_response"]
    due = add_business_minutes(started, target)
    if due is None:
        return Clock(measure, None, float(target))
    if now <= due:
        return Clock(measure, due, business_minutes_between(now, due))
    return Clock(measure, due, -business_minutes_between(due, now))
