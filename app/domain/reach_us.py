"""How to reach us, in the same words on every public page, mail and text message.

Customers who are not comfortable online look for a number to call: every mail and SMS we
send ends with it and with our opening hours (BUSINESS_PHONE, else our Twilio number)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.domain import hours
from app.domain.contacts import format_phone


@dataclass(frozen=True)
class OurPhone:
    e164: str  # for tel: links
    display: str  # as people read it aloud: "08-500 000 00"


def our_phone() -> OurPhone:
    config = current_app.config
    number = config.get("BUSINESS_PHONE") or config["TWILIO_NUMBER"]
    return OurPhone(number, format_phone(number, config["PHONE_DEFAULT_REGION"]))


def mail_footer(language: str = "en") -> str:
    """The last lines of every mail we send."""
    config = current_app.config
    with force_locale(language):
        return (
            "\n\n-- \n"
            + _(
                "%(name)s · Call us: %(number)s (%(hours)s) · %(address)s",
                name=config["SUPPORT_NAME"],
                number=our_phone().display,
                hours=hours.opening_hours_text(language),
                address=config["SUPPORT_ADDRESS"],
            )
            + "\n"
        )


def sms_signature(language: str = "en") -> str:
    """A short last line for our text messages (each character costs on a phone bill)."""
    with force_locale(language):
        return "\n" + _(
            "Call us: %(number)s, %(hours)s",
            number=our_phone().display,
            hours=hours.opening_hours_text(language),
        )
