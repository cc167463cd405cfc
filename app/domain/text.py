"""Text hygiene shared by every channel."""

from __future__ import annotations

import re
import unicodedata

# Line and paragraph separators, other control characters (C0, C1, DEL) and bidi overrides.
_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def single_line(value: str | None, max_length: int | None = None) -> str:
    """One line of plain text: what may go into a mail header, an SMS or a subject.

    A CR/LF typed into a public form must never reach a header (it would either inject
    one or make every later reply on the ticket unsendable), so line breaks and other
    control characters become a single space.
    """
    text = unicodedata.normalize("NFC", value or "")
    text = " ".join(_BREAKING.sub(" ", text).split())
    if max_length is not None:
        text = text[:max_length].rstrip()
    return text
