"""Our number and hours for the templates (the words live in app.domain.reach_us)."""

from __future__ import annotations

from flask_babel import get_locale

from app.domain import hours
from app.domain.reach_us import our_phone


def opening_hours(locale: str | None = None) -> str:
    return hours.opening_hours_text(locale or str(get_locale() or "en"))


def template_globals() -> dict:
    return {"our_phone": our_phone, "opening_hours": opening_hours}
