"""Settings admins change at runtime (kept in the database, read with a short cache).

The cache is per process: another process sees a change within CACHE_SECONDS."""

from __future__ import annotations

import time

from app.extensions import db
from app.models import Setting

# Every runtime setting and its default, in one place (no other module adds to this).
DEFAULTS: dict[str, object] = {
    "recipient_addresses": [],  # extra addresses the SMTP server accepts, beyond config
    "phone_numbers": [],
    "business_hours": {"open": 8, "close": 17},
    "community_auto_publish": False,  # publish drafts with zero flags without review
    "sms_allowed_countries": [],  # ISO codes we text; empty: the business's own region
    "require_two_factor": False,  # every agent must sign in with a second factor
    "community_review_after_days": 365,  # public answers are checked again this old
    "community_not_helpful_limit": 3,  # this many "did not help" votes → back to review
    "community_vocabulary_customers": 5,  # k: words of >= k customers are site vocabulary
    "community_glossary": [],  # the admins' product words the allow-list gate accepts
    # plain language: jargon words and their plain alternatives, per language (admins edit)
    "plain_language_jargon": {
        "en": {
            "utilize": "use",
            "commence": "start",
            "facilitate": "help",
            "authenticate": "prove who you are",
            "credentials": "user name and password",
            "reboot": "turn it off and on again",
            "navigate to": "go to",
            "terminate": "end",
        },
        "sv": {
            "initiera": "starta",
            "verifiera": "bekräfta",
            "implementera": "införa",
            "konfigurera": "ställa in",
            "autentisera": "visa vem du är",
            "inloggningsuppgifter": "användarnamn och lösenord",
            "omstart": "stäng av och sätt på igen",
            "navigera till": "gå till",
        },
    },
    # identity: which customer fields are private, and what each assurance level unlocks
    "identity_private_fields": [
        "email",
        "phone",
        "address",
        "account_number",
        "other_tickets",
        "recordings",  # voicemail playback
    ],
    "identity_unlocks": {
        "callback": [
            "email",
            "phone",
            "address",
            "account_number",
            "other_tickets",
            "recordings",
        ],
        "phone": ["email", "phone", "address", "account_number", "other_tickets", "recordings"],
        "mailbox": ["email", "other_tickets"],
    },
    # retention: days each class of personal data is kept (None: until the customer is erased)
    "retention_days": {
        "messages": None,
        "attachments": None,
        "recordings": 90,
        "transcriptions": None,
        "call_logs": 365,
        "identity_checks": 90,
        "audit_log": 730,
    },
    # assignment: automatic assignment of new tickets (off | round_robin | least_loaded)
    "auto_assign_mode": "off",
    "auto_assign_last_agent": 0,  # round-robin: the agent who got the last ticket
    # SLA targets in minutes of opening hours, per priority (0 low .. 3 urgent); an
    # optional faster first response per channel (app.domain.sla)
    "sla_targets": {
        "priority": {
            "0": {"first_response": 960, "next_response": 960, "resolution": 4800},
            "1": {"first_response": 480, "next_response": 480, "resolution": 2400},
            "2": {"first_response": 120, "next_response": 240, "resolution": 960},
            "3": {"first_response": 30, "next_response": 60, "resolution": 480},
        },
        "first_response_by_channel": {},
        # call back within this many minutes of opening hours (or by the end of the window
        # the customer chose)
        "callback": 120,
    },
}
_cache: dict[str, tuple[float, object]] = {}
CACHE_SECONDS = 30


def get(key: str, *, fresh: bool = False) -> object:
    cached = _cache.get(key)
    if cached and not fresh and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    row = db.session.get(Setting, key)
    value = row.value if row is not None else DEFAULTS.get(key)
    _cache[key] = (time.monotonic(), value)
    return value


def clear_cache() -> None:
    """Forget cached values (tests; a restore of the database)."""
    _cache.clear()


def put(key: str, value: object) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    _cache.pop(key, None)
