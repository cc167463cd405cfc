"""How to reach us, the same words on every public page, mail and text message."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale

from app.domain import hours
from app.domain.contacts import format_phone


@dataclass(frozen=True)
class OurPhone:
    e164: str  # for tel: links
    display: str  # as people read it: "08-500 000 00"


def our_phone() -> OurPhone:
    """BUSINESS_PHONE if set (a number people can call), else our Twilio number."""
    config = current_app.config
    number = config.get("BUSINESS_PHONE") or config["TWILIO_NUMBER"]
    return OurPhone(number, format_phone(number, config["PHONE_DEFAULT_REGION"]))


def opening_hours(locale: str | None = None) -> str:
    return hours.opening_hours_text(locale or str(get_locale() or "en"))


def template_globals() -> dict:
    return {"our_phone": our_phone, "opening_hours": opening_hours}
