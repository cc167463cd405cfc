"""The shape of a leak case and the one way both corpora are scored (dev and held-out)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.domain.anonymize import KnownEntities


@dataclass
class LeakCase:
    text: str
    known: KnownEntities
    planted: list[str] = field(default_factory=list)  # exact strings that must not survive
    names: list[str] = field(default_factory=list)  # name words that must not survive
    ordinary: str = ""  # the PII-free part, to measure over-redaction
    mail: bool = False  # written as a whole support mail (thread, signature, quotes)
