"""Retention: how long each class of personal data is kept (set by an admin)."""

from __future__ import annotations

from app.domain import settings
from app.domain.processing import RETENTION_CLASSES

# Days per class; None keeps the data until the customer is erased.
DEFAULT_PERIODS: dict[str, int | None] = {
    "messages": None,
    "attachments": None,
    "recordings": 90,
    "transcriptions": None,
    "call_logs": 365,
    "identity_checks": 90,
    "audit_log": 730,
}
settings.DEFAULTS.setdefault("retention_days", DEFAULT_PERIODS)


def periods() -> dict[str, int | None]:
    stored = settings.get("retention_days") or {}
    return {key: stored.get(key, DEFAULT_PERIODS[key]) for key in RETENTION_CLASSES}
