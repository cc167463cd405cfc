"""Texts in the customer's language, through the one translation path (Flask-Babel).

Jobs and webhooks have no visitor whose browser picks the language: they say whose language
to use with `in_language(customer.language)`; anything but Swedish is English.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import force_locale

LANGUAGES = ("en", "sv")
VOICES = {"en": "en-GB", "sv": "sv-SE"}  # the language Twilio <Say> speaks


def customer_language(language: str | None) -> str:
    """The language we write to this customer in: Swedish if they use it, else English."""
    return "sv" if language == "sv" else "en"


@contextmanager
def in_language(language: str | None) -> Iterator[str]:
    """Translate everything inside the block for this customer."""
    chosen = customer_language(language)
    with force_locale(chosen):
        yield chosen
