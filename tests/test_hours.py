"""Business hours (issue 13 item 3): only future windows, public holidays and closed days,
and the sentence that tells a customer when we will call."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain import hours, settings
from app.extensions import db
from tests import support

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(autouse=True)
def swedish_office_hours(app):
    """The defaults a new installation has: Monday to Friday 8-17, Swedish holidays."""
    app.config["BUSINESS_COUNTRY"] = "SE"
    with app.app_context():
        settings.put("business_hours", {"open": 8, "close": 17})
        db.session.commit()


def utc(*args) -> datetime:
    """A Stockholm wall-clock time as the naive UTC the models use."""
    return datetime(*args, tzinfo=STOCKHOLM).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def test_late_evening_offers_tomorrow_not_today(ctx):
    now = utc(2026, 11, 25, 23, 40)  # a Wednesday
    windows = hours.next_windows(now, 3)
    assert [w.key for w in windows] == [
        "2026-11-26_morning",
        "2026-11-26_afternoon",
        "2026-11-27_morning",
    ]
    assert all(w.start > now for w in windows)
    assert not hours.is_open(now)
    assert hours.describe_next_call(now, "en") == (
        "We are closed now; we will call you tomorrow between 8 and 12."
    )
    assert hours.describe_next_call(now, "sv") == (
        "Vi har stängt nu; vi ringer dig i morgon mellan 8 och 12."
    )


def test_during_opening_hours_the_current_window_is_offered(ctx):
    now = utc(2026, 11, 25, 13, 10)
    assert hours.is_open(now)
    first = hours.next_windows(now, 1)[0]
    assert first.key == "2026-11-25_afternoon"
    assert hours.describe_next_call(now, "en") == (
        "We are open now; we will call you today between 14 and 17."
    )
    # Ten minutes before closing the window is no longer promised.
    assert hours.next_windows(utc(2026, 11, 25, 16, 50), 1)[0].key == "2026-11-26_morning"


def test_weekend_and_public_holidays_are_skipped(ctx):
    friday_night = utc(2026, 11, 27, 22, 0)
    assert hours.next_windows(friday_night, 1)[0].day == date(2026, 11, 30)  # Monday
    assert "on Monday 30 November between 8 and 12" in hours.describe_next_call(friday_night)
    # Christmas in Sweden: the 24th-26th are closed; next open day is Monday the 28th.
    before_christmas = utc(2026, 12, 23, 18, 0)
    assert hours.next_windows(before_christmas, 1)[0].day == date(2026, 12, 28)
    assert hours.closed_reason(date(2026, 12, 25)) is not None
    assert hours.closed_reason(date(2026, 6, 19)) is not None  # Midsommarafton


def test_admin_hours_and_closed_days_are_used(ctx):
    settings.put("business_hours", {"open": 9, "close": 15, "days": [0, 1, 2, 3, 4, 5]})
    settings.put("closed_days", ["2026-11-26"])
    db.session.commit()
    now = utc(2026, 11, 25, 23, 40)
    windows = hours.next_windows(now, 3)
    assert [(w.key, w.start_hour, w.end_hour) for w in windows] == [
        ("2026-11-27_morning", 9, 12),
        ("2026-11-27_afternoon", 12, 15),
        ("2026-11-28_morning", 9, 12),  # Saturday is open now
    ]
    assert hours.opening_hours_text("en") == "Monday to Saturday 9–15"
    assert hours.opening_hours_text("sv") == "Måndag till lördag 9–15"
    assert hours.window_by_key("2026-11-26_morning", now) is None  # closed day
    assert hours.window_by_key("2026-11-25_morning", now) is None  # gone


@pytest.mark.parametrize("zone_name", ["Europe/Stockholm", "America/New_York"])
def test_windows_follow_the_business_time_zone(app, zone_name):
    app.config["BUSINESS_TIMEZONE"] = zone_name
    with app.app_context():
        window = hours.next_windows(datetime(2026, 11, 25, 3, 0), 1)[0]
        local_start = window.start.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone_name))
        assert local_start.hour == 8


def test_admin_sets_open_days_and_closed_days(app, client, make_agent):
    make_agent(role="admin")
    support.login(client, "agent@example.test", "correct-horse-battery")
    page = client.get("/agent/admin/settings").get_data(as_text=True)
    assert 'name="open_days"' in page and 'name="closed_days"' in page
    response = client.post(
        "/agent/admin/settings",
        data={
            "csrf_token": support.csrf_token(page),
            "recipient_addresses": "",
            "phone_numbers": "",
            "opening_hour": "9",
            "closing_hour": "15",
            "open_days": ["0", "1", "2", "3", "4", "5"],
            "closed_days": "2026-11-26\n",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        settings.clear_cache()
        assert hours.opening_hours_text("en") == "Monday to Saturday 9–15"
        assert hours.closed_reason(date(2026, 11, 26)) == "closed"
    bad = client.post(
        "/agent/admin/settings",
        data={"csrf_token": support.csrf_token(page), "closed_days": "26/11"},
    )
    assert bad.status_code == 400 and "year-month-day" in bad.get_data(as_text=True)


def _minutes_day_by_day(start: datetime, end: datetime) -> float:
    """The plain definition: walk every local day and add its open part."""
    day, last, total = hours.to_local(start).date(), hours.to_local(end).date(), 0.0
    while day <= last:
        today = hours.hours_on(day)
        if today is not None:
            begin = max(start, hours.to_utc(day, today[0]))
            finish = min(end, hours.to_utc(day, today[1]))
            total += max((finish - begin).total_seconds() / 60, 0)
        day += timedelta(days=1)
    return total


def test_open_minutes_over_long_spans_match_the_day_by_day_sum(ctx):
    """Clocks months overdue are summed from per-year totals (the queue shows hundreds of
    them); the figure must equal walking the calendar day by day, across summer time,
    Christmas, New Year and an admin's closed day."""
    settings.put("closed_days", ["2026-03-10", "2027-01-04"])
    db.session.commit()
    settings.clear_cache()
    rng = random.Random(17)
    cases = [
        (utc(2026, 3, 27, 16, 30), utc(2026, 3, 30, 9, 15)),  # over the spring change
        (utc(2025, 12, 23, 16, 0), utc(2026, 1, 7, 8, 30)),  # Christmas into a new year
        (utc(2024, 2, 1, 12, 0), utc(2026, 11, 25, 23, 40)),  # nearly three years overdue
        (utc(2026, 11, 21, 10, 0), utc(2026, 11, 22, 10, 0)),  # a weekend: nothing
    ]
    for _ in range(40):
        start = utc(2025, 1, 1) + timedelta(minutes=rng.randrange(800 * 24 * 60))
        cases.append((start, start + timedelta(minutes=rng.randrange(1, 200 * 24 * 60))))
    for start, end in cases:
        assert hours.open_minutes_between(start, end) == pytest.approx(
            _minutes_day_by_day(start, end)
        ), (start, end)
    assert hours.open_minutes_between(cases[3][0], cases[3][1]) == 0
    assert hours.open_minutes_between(cases[0][1], cases[0][0]) == 0
    # Friday 16:30 -> Monday 9:15 local is 30 + 75 minutes (the change to summer time
    # falls in the closed night).
    assert hours.open_minutes_between(*cases[0]) == pytest.approx(105)
