"""Service-level targets and their clocks, in business time.

Targets (minutes of opening hours) per priority: first response, next response (after the
customer wrote again) and resolution, with an optional faster first response per channel,
and a callback target (call back within N minutes, or within the window the customer chose).
The clocks run only while we are open: opening hours, public holidays and closed days all
come from `app.domain.hours` (one calendar for callbacks and SLAs). A ticket waiting for the
customer has no running clock.

Outcomes are recorded when they happen (`record_first_response`, `record_resolution`,
`record_callback_reached`): business minutes and met/missed, stored on the ticket or callback
so reports count rows instead of replaying clocks. The running response clock's due time is
kept on the ticket (`sla_due_at`, refreshed on every change and by the periodic check) so the
"N overdue" count is two indexed counts. `check_overdue` (a job the relay schedules) announces
each overdue clock once to the assignee and the admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from app.domain import audit, hours, outbox, schedule, settings
from app.domain.audit import Actor
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Agent, CallbackRequest, SlaNotice, Ticket
from app.models.base import utcnow
from app.models.enums import CallbackStatus

MEASURES = ("first_response", "next_response", "resolution")
PRIORITY_KEYS = ("0", "1", "2", "3")
CHANNEL_KEYS = ("email", "sms", "voice", "web")
MAX_MINUTES = 60 * 24 * 60  # 60 working days of 24 h: anything more is a typo
LOOKAHEAD_DAYS = 120
SETTING = "sla_targets"
RUNNING = ("new", "open")  # statuses with a running response clock
CALLBACK_OPEN = (CallbackStatus.PENDING.value, CallbackStatus.DIALING.value)
JOB_NAME = "sla_overdue"
EXACT_OVERDUE_DAYS = 14  # how far back the queue counts overdue business minutes


class SlaError(DomainError):
    """Invalid targets; `field` names the input the message belongs to."""

    def __init__(self, message, field: str) -> None:
        super().__init__(message)
        self.field = field


def targets() -> dict:
    """{"priority": {"0".."3": {measure: minutes}}, "first_response_by_channel": {ch: minutes},
    "callback": minutes}"""
    stored = settings.get(SETTING) or {}
    defaults = settings.DEFAULTS[SETTING]
    return {
        "priority": {
            p: {**defaults["priority"][p], **(stored.get("priority", {}).get(p) or {})}
            for p in PRIORITY_KEYS
        },
        "first_response_by_channel": dict(stored.get("first_response_by_channel") or {}),
        "callback": int(stored.get("callback") or defaults["callback"]),
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
    callback = minutes("callback", True)
    return {"priority": priority, "first_response_by_channel": by_channel, "callback": callback}


def save_targets(values: dict, actor: Actor) -> None:
    settings.put(SETTING, values)
    invalidate_due()
    audit.record(actor, "settings.sla")


def invalidate_due() -> None:
    """Targets or opening hours changed: running clocks are recomputed by the next check
    (and by any change to the ticket before that)."""
    db.session.execute(
        update(Ticket)
        .where(
            Ticket.status.in_(RUNNING),
            or_(Ticket.sla_due_at.is_not(None), Ticket.resolution_due_at.is_not(None)),
        )
        .values(sla_due_at=None, resolution_due_at=None)
        .execution_options(synchronize_session=False)
    )


class Calendar:
    """Opening hours per local day as UTC instants, looked up once per day: a page that
    shows fifty clocks asks the calendar (settings, holidays) once a day, not fifty times."""

    def __init__(self) -> None:
        self._calendar = hours.calendar()
        self._spans: dict = {}

    def span(self, day) -> tuple[datetime, datetime] | None:
        if day not in self._spans:
            self._spans[day] = self._calendar.opening(day)
        return self._spans[day]


def add_business_minutes(
    start: datetime, minutes: float, calendar: Calendar | None = None
) -> datetime | None:
    """The instant `minutes` of opening hours after `start` (naive UTC); None if the
    calendar has no opening hours in the next LOOKAHEAD_DAYS."""
    calendar = calendar or Calendar()
    day = hours.to_local(start).date()
    remaining = minutes
    for _ in range(LOOKAHEAD_DAYS):
        today = calendar.span(day)
        if today is not None:
            opens, closes = today
            begin = max(start, opens)
            if begin < closes:
                available = (closes - begin).total_seconds() / 60
                if remaining <= available:
                    return begin + timedelta(minutes=remaining)
                remaining -= available
        day += timedelta(days=1)
    return None


def business_minutes_between(start: datetime, end: datetime) -> float:
    """Minutes of opening hours from `start` to `end` (0 when end is before start); whole
    days come from per-year totals in `hours`, so months-long spans cost no more."""
    return hours.open_minutes_between(start, end)


@dataclass
class Clock:
    measure: str  # first_response | next_response | resolution | callback
    due: datetime | None
    minutes_left: float  # business minutes; negative when overdue
    started: datetime | None = None  # identifies the clock (one overdue notice per clock)
    long_overdue: bool = False  # due more than EXACT_OVERDUE_DAYS ago: minutes not counted

    @property
    def overdue(self) -> bool:
        return self.minutes_left < 0


def _first_response_target(ticket: Ticket, table: dict) -> int:
    per_priority = table["priority"].get(str(ticket.priority), table["priority"]["1"])
    return table["first_response_by_channel"].get(
        str(ticket.channel), per_priority["first_response"]
    )


def running_clock(
    ticket: Ticket,
    now: datetime | None = None,
    table: dict | None = None,
    calendar: Calendar | None = None,
):
    """The response clock that runs for this ticket now, or None (waiting, resolved,
    closed: the next move is the customer's, or there is none)."""
    if str(ticket.status) not in ("new", "open"):
        return None
    now = now or utcnow()
    table = table or targets()
    per_priority = table["priority"].get(str(ticket.priority), table["priority"]["1"])
    if ticket.first_response_at is None:
        measure, started = "first_response", ticket.created_at
        target = _first_response_target(ticket, table)
    else:
        measure = "next_response"
        started = max(
            ticket.last_customer_message_at or ticket.created_at, ticket.first_response_at
        )
        target = per_priority["next_response"]
    calendar = calendar or Calendar()
    due = add_business_minutes(started, target, calendar)
    return _clock(measure, started, due, target, now, calendar)


def resolution_target(ticket: Ticket, table: dict) -> int:
    return table["priority"].get(str(ticket.priority), table["priority"]["1"])["resolution"]


def resolution_clock(
    ticket: Ticket,
    now: datetime | None = None,
    table: dict | None = None,
    calendar: Calendar | None = None,
):
    """The resolution clock: business minutes from opening, as `record_resolution` measures
    it (time waiting for the customer counts, as in the reports), but it only *runs* (can be
    overdue and announced) while the next move is ours (new/open): a ticket waiting for the
    customer is not announced, and is once they write back if it is past due by then."""
    if str(ticket.status) not in RUNNING or ticket.created_at is None:
        return None
    now = now or utcnow()
    table = table or targets()
    calendar = calendar or Calendar()
    target = resolution_target(ticket, table)
    due = ticket.resolution_due_at or add_business_minutes(ticket.created_at, target, calendar)
    return _clock("resolution", ticket.created_at, due, target, now, calendar)


def _clock(
    measure: str,
    started: datetime,
    due: datetime | None,
    target: float,
    now: datetime,
    calendar: Calendar | None = None,
):
    calendar = calendar or Calendar()
    if due is None:
        return Clock(measure, None, float(target), started)
    if now <= due:
        return Clock(measure, due, business_minutes_between(now, due), started)
    if due < now - timedelta(days=EXACT_OVERDUE_DAYS):
        # Long overdue: the queue says "overdue since <date>"; counting every day of a
        # year-old clock cost the queue page hundreds of milliseconds.
        return Clock(measure, due, -1.0, started, long_overdue=True)
    return Clock(measure, due, -business_minutes_between(due, now), started)


# --- outcomes, recorded when they happen ------------------------------------------------


def record_first_response(ticket: Ticket, at: datetime) -> None:
    """The first answer: business minutes since opening and whether the target was met."""
    if ticket.first_response_minutes is not None or ticket.created_at is None:
        return  # recorded already, or a ticket not stored yet (no clock started)
    minutes = business_minutes_between(ticket.created_at, at)
    ticket.first_response_minutes = round(minutes, 1)
    ticket.first_response_met = minutes <= _first_response_target(ticket, targets())


def record_resolution(ticket: Ticket, at: datetime | None) -> None:
    """Resolved at `at` (None: reopened, the outcome waits for the next resolution)."""
    if at is None or ticket.created_at is None:
        ticket.resolution_minutes = ticket.resolution_met = None
        return
    minutes = business_minutes_between(ticket.created_at, at)
    ticket.resolution_minutes = round(minutes, 1)
    ticket.resolution_met = minutes <= resolution_target(ticket, targets())


def callback_due(window_start: datetime, window_end: datetime | None) -> datetime | None:
    """When a callback is due: by the end of the window the customer chose, else the
    callback target in business minutes from when the request could first be called."""
    if window_end is not None:
        return window_end
    return add_business_minutes(window_start, targets()["callback"])


def set_callback_due(callback: CallbackRequest) -> None:
    callback.due_at = callback_due(callback.window_start or utcnow(), callback.window_end)


def record_callback_reached(callback: CallbackRequest, at: datetime) -> None:
    """The customer was reached: minutes of opening hours since the request could be called."""
    if callback.reached_at is not None:
        return
    callback.reached_at = at
    start = min(callback.window_start or callback.created_at or at, at)
    callback.answer_minutes = round(business_minutes_between(start, at), 1)
    due = callback.due_at or callback_due(start, callback.window_end)
    callback.sla_met = due is None or at <= due


def callback_clock(
    callback: CallbackRequest, now: datetime | None = None, calendar: Calendar | None = None
) -> Clock | None:
    """The running callback clock of a pending request (None when it has none)."""
    if str(callback.status) not in CALLBACK_OPEN:
        return None
    now = now or utcnow()
    due = callback.due_at or callback_due(callback.window_start, callback.window_end)
    started = callback.window_start or callback.created_at
    return _clock("callback", started, due, targets()["callback"], now, calendar)


# --- the cached due time, the overdue count and the periodic check ---------------------


def refresh_due(ticket: Ticket, now: datetime | None = None) -> None:
    """Keep `sla_due_at` (the running response clock) and `resolution_due_at` in step with
    the ticket (called on every change)."""
    if str(ticket.status) not in RUNNING or ticket.created_at is None:
        # no clock (or not stored yet: the periodic check fills it)
        ticket.sla_due_at = ticket.resolution_due_at = None
        return
    table, calendar = targets(), Calendar()
    _fill_due(ticket, now, table, calendar)


def _fill_due(ticket: Ticket, now, table: dict, calendar: Calendar) -> None:
    clock = running_clock(ticket, now, table, calendar)
    ticket.sla_due_at = clock.due if clock else None
    ticket.resolution_due_at = add_business_minutes(
        ticket.created_at, resolution_target(ticket, table), calendar
    )


def overdue_clause(now: datetime | None = None):
    """Tickets with an overdue running clock: the response clock's cached due time, or a
    waiting callback past its due time (ix_callbacks_sla_due). As a row filter the queue
    reads its own index in order and stops at a page: at 1,000,000 tickets 1 ms when 40,000
    are overdue and 7–12 ms when 500 are (an IN over a UNION of both indexes took 50–78 ms,
    sorting every overdue ticket)."""
    now = now or utcnow()
    running = Ticket.status.in_(RUNNING)
    if db.session.get_bind().dialect.name == "sqlite":
        # The unary + keeps SQLite from a MULTI-INDEX OR that sorts every overdue ticket
        # (120 ms with 40,000 overdue; 1.3 ms reading the queue index in order, 12 ms at most).
        running = text("+tickets.status IN ('new', 'open')")
    return or_(
        and_(running, or_(Ticket.sla_due_at <= now, Ticket.resolution_due_at <= now)),
        Ticket.id.in_(_late_callback_tickets(now)),
    )


def _late_callback_tickets(now: datetime):
    return select(CallbackRequest.ticket_id).where(
        CallbackRequest.status.in_(CALLBACK_OPEN), CallbackRequest.due_at <= now
    )


def overdue_count(now: datetime | None = None) -> int:
    """How many tickets are overdue, cheap enough for every agent page header: an index-only
    count of late response clocks, one of late resolutions whose response clock is not late
    (ix_tickets_resolution_due covers status, resolution and response due), plus the (few)
    tickets whose only late clock is a callback."""
    now = now or utcnow()
    running = Ticket.status.in_(RUNNING)
    response_late = and_(running, Ticket.sla_due_at <= now)
    responses = db.session.scalar(select(func.count()).select_from(Ticket).where(response_late))
    resolutions = db.session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(
            running,
            Ticket.resolution_due_at <= now,
            or_(Ticket.sla_due_at.is_(None), Ticket.sla_due_at > now),
        )
    )
    late = and_(running, or_(Ticket.sla_due_at <= now, Ticket.resolution_due_at <= now))
    only_callbacks = db.session.scalar(
        select(func.count(func.distinct(CallbackRequest.ticket_id)))
        .select_from(CallbackRequest)
        .join(Ticket, Ticket.id == CallbackRequest.ticket_id)
        .where(
            CallbackRequest.status.in_(CALLBACK_OPEN),
            CallbackRequest.due_at <= now,
            ~late,
        )
    )
    return (responses or 0) + (resolutions or 0) + (only_callbacks or 0)


def _recipients(ticket: Ticket) -> list[int]:
    admins = db.session.scalars(
        select(Agent.id).where(Agent.role == "admin", Agent.active.is_(True)).order_by(Agent.id)
    ).all()
    ids = list(admins)
    if ticket.assignee_id and ticket.assignee_id not in ids:
        assignee = db.session.get(Agent, ticket.assignee_id)
        if assignee is not None and assignee.active:
            ids.insert(0, assignee.id)
    return ids


def _announce(ticket: Ticket, clock: Clock, now: datetime) -> SlaNotice | None:
    """One notice per clock: the unique (ticket, clock, started) row decides, so a second
    check, or two at once, never notifies twice; a new clock (a later customer message, a
    new callback window) is a new row.

    A clock already late by more than SLA_NOTICE_MAX_LATE_HOURS when the check first sees it
    (an upgrade, new targets, a relay that was down) is recorded without a mail: it is in the
    on-screen count and the overdue filter, and the admins do not get thousands of mails.
    """
    stale_after = timedelta(hours=current_app.config["SLA_NOTICE_MAX_LATE_HOURS"])
    mail = clock.due is None or now - clock.due <= stale_after
    found = db.session.scalar(
        select(SlaNotice.id).where(
            SlaNotice.ticket_id == ticket.id,
            SlaNotice.clock == clock.measure,
            SlaNotice.started_at == clock.started,
        )
    )
    if found is not None:
        return None
    notice = SlaNotice(
        ticket_id=ticket.id,
        clock=clock.measure,
        started_at=clock.started,
        due_at=clock.due,
        recipients=_recipients(ticket) if mail else [],
        sent_to=[],
    )
    try:
        with db.session.begin_nested():
            db.session.add(notice)
    except IntegrityError:
        return None  # another check got there first
    if mail:
        outbox.enqueue("sla.overdue_notice", notice_id=notice.id, ticket_id=ticket.id)
    audit.record(audit.SYSTEM, "sla.overdue", ticket_id=ticket.id, clock=clock.measure, mailed=mail)
    return notice


def check_overdue(now: datetime | None = None, limit: int = 500) -> dict:
    """Fill missing due times, then announce overdue clocks not announced yet."""
    now = now or utcnow()
    table, calendar = targets(), Calendar()
    missing = db.session.scalars(
        select(Ticket)
        .where(
            Ticket.status.in_(RUNNING),
            or_(Ticket.sla_due_at.is_(None), Ticket.resolution_due_at.is_(None)),
        )
        .order_by(Ticket.id)
        .limit(limit)
    ).all()
    for ticket in missing:
        _fill_due(ticket, now, table, calendar)
    db.session.flush()
    # Each kind of clock: its rows whose due time has passed with no notice yet, and how to
    # read the clock (and its ticket) off a row.
    kinds = (
        (
            select(Ticket).where(Ticket.status.in_(RUNNING)),
            Ticket.sla_due_at,
            and_(SlaNotice.ticket_id == Ticket.id, SlaNotice.due_at == Ticket.sla_due_at),
            lambda t: (t, running_clock(t, now, table, calendar)),
        ),
        (
            select(Ticket).where(Ticket.status.in_(RUNNING)),
            Ticket.resolution_due_at,
            and_(
                SlaNotice.ticket_id == Ticket.id,
                SlaNotice.clock == "resolution",
                SlaNotice.started_at == Ticket.created_at,
            ),
            lambda t: (t, resolution_clock(t, now, table, calendar)),
        ),
        (
            select(CallbackRequest).where(CallbackRequest.status.in_(CALLBACK_OPEN)),
            CallbackRequest.due_at,
            and_(
                SlaNotice.ticket_id == CallbackRequest.ticket_id,
                SlaNotice.clock == "callback",
                SlaNotice.started_at == CallbackRequest.window_start,
            ),
            lambda c: (c.ticket, callback_clock(c, now, calendar)),
        ),
    )
    announced = 0
    for rows, due, noticed, read_clock in kinds:
        late = db.session.scalars(
            rows.where(due <= now, ~exists().where(noticed)).order_by(due).limit(limit)
        ).all()
        for row in late:
            ticket, clock = read_clock(row)
            if clock is not None and clock.overdue and _announce(ticket, clock, now):
                announced += 1
    return {"due_filled": len(missing), "announced": announced}


def claim_check(every: timedelta, now: datetime | None = None) -> bool:
    """If the overdue check is due, move its next time forward and enqueue it (in the
    caller's transaction; with several relays one conditional UPDATE wins)."""
    return schedule.claim(JOB_NAME, every, "sla.check_overdue", now)


# --- outcomes of tickets from before they were recorded (migration 1708) ----------------


def _missing_outcome():
    return or_(
        and_(Ticket.first_response_at.is_not(None), Ticket.first_response_minutes.is_(None)),
        and_(
            Ticket.resolved_at.is_not(None),
            Ticket.status.in_(("resolved", "closed")),
            Ticket.resolution_minutes.is_(None),
        ),
    )


def backfill_outcomes(batch_size: int = 1000, after_id: int = 0):
    """Record the first-response and resolution outcomes of tickets answered or resolved
    before outcomes were recorded, with today's targets and calendar. Batches of
    `batch_size` tickets in id order, one commit each; yields (last id, tickets filled) after
    each batch. Idempotent and resumable: only tickets still without an outcome are read, so a
    run that stopped picks up where it was and a second run changes nothing. Written with
    UPDATE by id: neither the ticket's version nor its `updated_at` moves (agents' open pages
    stay valid)."""
    table, last_id = targets(), after_id
    while True:
        rows = db.session.execute(
            select(
                Ticket.id,
                Ticket.created_at,
                Ticket.priority,
                Ticket.channel,
                Ticket.first_response_at,
                Ticket.first_response_minutes,
                Ticket.resolved_at,
                Ticket.resolution_minutes,
                Ticket.status,
            )
            .where(Ticket.id > last_id, _missing_outcome())
            .order_by(Ticket.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        filled = 0
        for row in rows:
            values = {}
            if row.created_at is not None:
                if row.first_response_at is not None and row.first_response_minutes is None:
                    minutes = business_minutes_between(row.created_at, row.first_response_at)
                    values["first_response_minutes"] = round(minutes, 1)
                    values["first_response_met"] = minutes <= _first_response_target(row, table)
                if (
                    row.resolved_at is not None
                    and str(row.status) in ("resolved", "closed")
                    and row.resolution_minutes is None
                ):
                    minutes = business_minutes_between(row.created_at, row.resolved_at)
                    values["resolution_minutes"] = round(minutes, 1)
                    values["resolution_met"] = minutes <= resolution_target(row, table)
            if values:
                db.session.execute(
                    update(Ticket)
                    .where(Ticket.id == row.id)
                    .values(**values, updated_at=Ticket.updated_at)
                    .execution_options(synchronize_session=False)
                )
                filled += 1
        db.session.commit()
        last_id = rows[-1].id
        yield last_id, filled
