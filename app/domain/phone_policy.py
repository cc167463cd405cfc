"""Where we may send SMS (and code calls) and how many a day: a guard against SMS pumping.

An anonymous form that texts any number is a way to make us pay for premium-rate or
fraudulent destinations. Only numbers in the countries an admin allows (by default the
business's own, PHONE_DEFAULT_REGION) get texts, and at most SMS_DAILY_BUDGET a day.
"""

from __future__ import annotations

import phonenumbers
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.domain import attempts, settings
from app.domain.errors import DomainError
from app.models.base import utcnow


class DestinationRefused(DomainError):
    """We will not text this number (country not allowed, or today's budget is spent)."""


def allowed_countries() -> list[str]:
    chosen = settings.get("sms_allowed_countries") or []
    return [c.upper() for c in chosen] or [current_app.config["PHONE_DEFAULT_REGION"].upper()]


def country_of(phone: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return None


def destination_allowed(phone: str) -> bool:
    return country_of(phone) in allowed_countries()


def check_destination(phone: str) -> None:
    if not destination_allowed(phone):
        raise DestinationRefused(
            _l(
                "Not sent: this number is in a country we do not text "
                "(an admin can allow more countries in Settings)."
            )
        )


def spend_sms(phone: str) -> None:
    """Check the country and count one SMS against today's budget (part of the job's
    transaction: a send that fails gives its place back)."""
    check_destination(phone)
    budget = current_app.config["SMS_DAILY_BUDGET"]
    if not attempts.claim(f"sms-budget:{utcnow().date().isoformat()}", budget, 2 * 86400):
        raise DestinationRefused(
            _l("Not sent: today's SMS budget is spent. It resets at midnight.")
        )
