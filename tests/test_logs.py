"""The log scrubber removes private data and leaves timestamps and URLs readable. Pure."""

from __future__ import annotations

import pytest

from app.logs import scrub


@pytest.mark.parametrize(
    "line",
    [
        "retry at 2026-11-25 23:41:07.123456+00:00",
        "retry at 2026-11-25T23:41:07Z",
        "started 2026-11-25T23:41:07+01:00 and done 23:41:09",
        "next attempt 2026-11-26",
        "GET https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json 201",
        "redis at 127.0.0.1:6379 is down",
        "ticket HD-482913 resolved",
    ],
)
def test_scrub_keeps_what_is_not_personal_data(line):
    assert scrub(line) == line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("sms from +46701234567 at 2026-11-25 23:41:07", "sms from [phone] at 2026-11-25 23:41:07"),
        ("call 070-123 45 67 at 10:15:00", "call [phone] at 10:15:00"),
        ("code 482913 sent 2026-11-25T23:41:07Z", "code [number] sent 2026-11-25T23:41:07Z"),
        ("to anna@example.se on 2026-11-25", "to [email] on 2026-11-25"),
        (
            "POST https://help.example.se/customers/+46701234567/edit",
            "POST https://help.example.se/customers/[phone]/edit",
        ),
        ("number 0701-23-45-67", "number [phone]"),
        ("born 1956-03-14 phone 0701234567", "born 1956-03-14 phone [phone]"),
    ],
)
def test_scrub_still_removes_phones_emails_and_codes_around_timestamps(line, expected):
    assert scrub(line) == expected
