"""Business hours: when we are open, which callback windows are still ahead, and how to say it.

One place answers "can a person call now, and if not, when?" for the callback form, the
SMS/voice callback requests, the confirmation texts and (issue 17) SLA clocks. The opening
hours per weekday come from the admin's stored setting (`business_hours`); closed days are
the public holidays of the business's country (the `holidays` package, BUSINESS_COUNTRY)
plus the admin's own closed days (`closed_days`, ISO dates). All datetimes in and out are
naive UTC like the rest of the models; the local clock is BUSINESS_TIMEZONE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.domain import settings
from app.models.base import utcnow

UTC = ZoneInfo("UTC")
NOON = 12
DEFAULT_OPEN_DAYS = (0, 1, 2, 3, 4)  # Monday to Friday
MIN_MINUTES_LEFT = 30  # a window ending sooner than this is not offered any more
LOOKAHEAD_DAYS = 21  # long enough to pass Christmas and Easter closures


@dataclass(frozen=True)
class Window:
    """A part of an open day we can promise to call in (local hours, UTC instants)."""

    day: date  # local date
    part: str  # "morning" | "afternoon"
    start_hour: int
    end_hour: int
    start: datetime  # naive UTC
    end: datetime  # naive UTC

    @property
    def key(self) -> str:
        """Stable form value / stored window name, e.g. "2026-11-27_morning"."""
        return f"{self.day.isoformat()}_{self.part}"


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BUSINESS_TIMEZONE"])


def country() -> str:
    return current_app.config.get("BUSINESS_COUNTRY") or current_app.config["PHONE_DEFAULT_REGION"]


def to_local(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC).astimezone(zone())


def to_utc(day: date, hour: int) -> datetime:
    local = datetime.combine(day, time(0), tzinfo=zone()) + timedelta(hours=hour)
    return local.astimezone(UTC).replace(tzinfo=None)


def weekly_hours() -> dict[int, tuple[int, int] | None]:
    """Weekday (0 = Monday) -> (opening hour, closing hour), or None when closed all day."""
    stored = settings.get("business_hours") or {}
    opening, closing = int(stored.get("open", 8)), int(stored.get("close", 17))
    open_days = set(stored.get("days", DEFAULT_OPEN_DAYS))
    return {day: (opening, closing) if day in open_days else None for day in range(7)}


@lru_cache(maxsize=16)
def _public_holidays(country_code: str, year: int) -> dict[date, str]:
    """Public holidays plus the de facto ones everybody takes off (Christmas Eve,
    Midsummer Eve and New Year's Eve in Sweden), where the calendar knows them."""
    if country_code.lower() == "none":
        return {}
    if country_code.upper() not in holiday_calendars.list_supported_countries():
        return {}  # a country the calendar does not know: only the admin's closed days
    cls = holiday_calendars.country_holidays(country_code.upper()).__class__
    wanted = tuple(c for c in ("public", "de_facto") if c in cls.supported_categories)
    calendar = holiday_calendars.country_holidays(country_code, years=year, categories=wanted)
    return dict(calendar.items())


@dataclass(frozen=True)
class Calendar:
    """Everything that decides whether a day is open, as one hashable value (a cache key)."""

    zone_name: str
    country_code: str
    week: tuple[tuple[int, int] | None, ...]  # Monday first
    closed_days: frozenset[str]

    def closed_reason(self, day: date) -> str | None:
        if self.week[day.weekday()] is None:
            return "closed"
        if day.isoformat() in self.closed_days:
            return "closed"
        name = _public_holidays(self.country_code, day.year).get(day)
        if name and day.weekday() != 6:  # SE lists every Sunday as a holiday; weekly hours decide
            return name
        return None

    def opening(self, day: date) -> tuple[datetime, datetime] | None:
        """When we open and close on `day` (local date) as naive UTC instants; None if closed.
        In UTC, so a change to or from summer time inside opening hours counts right."""
        hours = self.week[day.weekday()]
        if hours is None or self.closed_reason(day) is not None:
            return None
        midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(self.zone_name))
        opens, closes = (
            (midnight + timedelta(hours=hour)).astimezone(UTC).replace(tzinfo=None)
            for hour in hours
        )
        return opens, closes


def calendar() -> Calendar:
    """The calendar in force now (settings are cached, so this is cheap)."""
    week = weekly_hours()
    return Calendar(
        current_app.config["BUSINESS_TIMEZONE"],
        country(),
        tuple(week[day] for day in range(7)),
        frozenset(settings.get("closed_days") or []),
    )


def closed_reason(day: date) -> str | None:
    """Why we are closed on `day` (holiday name, "closed"), or None on an ordinary open day."""
    return calendar().closed_reason(day)


@lru_cache(maxsize=64)
def _open_minutes_by_day(cal: Calendar, year: int) -> tuple[float, ...]:
    """Running totals of open minutes in `year`: item k is the sum over its first k days."""
    day, totals, running = date(year, 1, 1), [0.0], 0.0
    while day.year == year:
        span = cal.opening(day)
        if span is not None:
            running += (span[1] - span[0]).total_seconds() / 60
        totals.append(running)
        day += timedelta(days=1)
    return tuple(totals)


def _open_minutes_of_days(cal: Calendar, first: date, last: date) -> float:
    """Open minutes of the whole days first..last (inclusive); 0 when last < first."""
    total = 0.0
    if last < first:
        return total
    for year in range(first.year, last.year + 1):
        totals = _open_minutes_by_day(cal, year)
        since = (first - date(year, 1, 1)).days if year == first.year else 0
        until = (last - date(year, 1, 1)).days + 1 if year == last.year else len(totals) - 1
        total += totals[until] - totals[since]
    return total


def open_minutes_between(start: datetime, end: datetime) -> float:
    """Minutes of opening hours from `start` to `end` (naive UTC; 0 when end is not later).

    Whole days in between come from per-year running totals, so a clock that has been
    overdue for months costs what one overdue for minutes does (the queue shows hundreds).
    """
    if end <= start:
        return 0.0
    cal = calendar()
    first, last = to_local(start).date(), to_local(end).date()
    total = 0.0
    for day in {first, last}:
        span = cal.opening(day)
        if span is None:
            continue
        begin, finish = max(start, span[0]), min(end, span[1])
        if finish > begin:
            total += (finish - begin).total_seconds() / 60
    return total + _open_minutes_of_days(cal, first + timedelta(days=1), last - timedelta(days=1))


def hours_on(day: date) -> tuple[int, int] | None:
    """Local opening and closing hour on `day`, or None when closed."""
    if closed_reason(day) is not None:
        return None
    return weekly_hours()[day.weekday()]


def is_open(at: datetime | None = None) -> bool:
    """True when a person is at work now (local time within today's opening hours)."""
    local = to_local(at or utcnow())
    today = hours_on(local.date())
    return today is not None and today[0] <= local.hour + local.minute / 60 < today[1]


def windows_on(day: date) -> list[Window]:
    """The morning and afternoon windows of an open day, clipped to its opening hours."""
    hours = hours_on(day)
    if hours is None:
        return []
    opening, closing = hours
    parts = [("morning", opening, min(NOON, closing)), ("afternoon", max(NOON, opening), closing)]
    return [
        Window(day, part, start, end, to_utc(day, start), to_utc(day, end))
        for part, start, end in parts
        if start < end
    ]


def next_windows(now: datetime | None = None, count: int = 4) -> list[Window]:
    """The next `count` windows that have not ended yet (and have time left to call)."""
    now = now or utcnow()
    first_day = to_local(now).date()
    found: list[Window] = []
    for offset in range(LOOKAHEAD_DAYS):
        for window in windows_on(first_day + timedelta(days=offset)):
            if window.end - now >= timedelta(minutes=MIN_MINUTES_LEFT):
                found.append(window)
                if len(found) == count:
                    return found
    return found


def seconds_until_we_may_call(now: datetime) -> float:
    """An automated call (a reply read aloud, a resolution notice) rings only while we are
    open, never at 22:00 in an old person's home: 0 now, else the seconds until the next call
    window starts."""
    if is_open(now):
        return 0.0
    window = first_call_window(now)
    return max(0.0, (window.start - now).total_seconds()) if window is not None else 0.0


def window_by_key(key: str, now: datetime | None = None) -> Window | None:
    """A window a form offered, if it is still ahead; None for unknown or past keys."""
    return next((w for w in next_windows(now, 8) if w.key == key), None)


def first_call_window(now: datetime | None = None) -> Window | None:
    """When an "as soon as possible" request will be called: the window we are in, or the next."""
    windows = next_windows(now, 1)
    return windows[0] if windows else None


def describe_day(day: date, now: datetime, locale: str) -> str:
    today = to_local(now).date()
    with force_locale(locale):
        if day == today:
            return _("today")
        if day == today + timedelta(days=1):
            return _("tomorrow")
        return _("on %(day)s", day=format_date(day, "EEEE d MMMM", locale=locale))


def describe_window(window: Window, now: datetime | None = None, locale: str = "en") -> str:
    """ "tomorrow between 8 and 12", "today between 13 and 17", "on Monday 30 November..." """
    now = now or utcnow()
    start_hour = window.start_hour
    if window.start <= now:  # already in the window: from the next full hour
        start_hour = max(start_hour, min(to_local(now).hour + 1, window.end_hour - 1))
    with force_locale(locale):
        return _(
            "%(day)s between %(start)s and %(end)s",
            day=describe_day(window.day, now, locale),
            start=start_hour,
            end=window.end_hour,
        )


def describe_next_call(now: datetime | None = None, locale: str = "en") -> str:
    """One sentence for a customer asking "when will you call?" right now."""
    now = now or utcnow()
    window = first_call_window(now)
    with force_locale(locale):
        if window is None:
            return _("We will call you as soon as we are open again.")
        when = describe_window(window, now, locale)
        if is_open(now):
            return _("We are open now; we will call you %(when)s.", when=when)
        return _("We are closed now; we will call you %(when)s.", when=when)


def opening_hours_text(locale: str = "en") -> str:
    """Our weekly hours in words: "Monday to Friday 8–17" (the common case) or day by day."""
    week = weekly_hours()
    with force_locale(locale):
        names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday")]
        names += [_("Saturday"), _("Sunday")]
        groups: list[tuple[int, int, tuple[int, int]]] = []
        for day in range(7):
            hours = week[day]
            if hours is None:
                continue
            if groups and groups[-1][1] == day - 1 and groups[-1][2] == hours:
                groups[-1] = (groups[-1][0], day, hours)
            else:
                groups.append((day, day, hours))
        if not groups:
            return _("We are closed.")
        parts = []
        for first, last, (opening, closing) in groups:
            days = (
                names[first]
                if first == last
                else _("%(first)s to %(last)s", first=names[first], last=names[last])
            )
            parts.append(f"{days} {opening}–{closing}")
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]
