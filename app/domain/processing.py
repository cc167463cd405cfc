"""Records of processing (GDPR art. 30), kept next to the schema so they cannot drift.

Every column of every table in the models' metadata must be classified here: personal
(what it is, why we keep it, which retention class governs it) or not personal. The admin
page is generated from `records()`, which walks `db.metadata`; `unclassified()` names any
column nobody classified, and a test fails on it (tests/test_privacy_records.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.extensions import db

# Retention classes an admin sets (days); "customer" lives until erased or until their
# last ticket is purged; "account" until the agent account is removed.
RETENTION_CLASSES = {
    "messages": _l("Messages (email, SMS, web, notes)"),
    "attachments": _l("Attachments"),
    "recordings": _l("Voicemail recordings"),
    "transcriptions": _l("Voicemail transcriptions"),
    "call_logs": _l("Call logs and callback requests"),
    "identity_checks": _l("Identity-check records"),
    "audit_log": _l("Audit log"),
}
FIXED_RETENTION = {
    "customer": _l("Until the customer is erased, or their last ticket is purged"),
    "account": _l("While the agent account exists"),
    "short": _l("A few days at most (rate limits, webhook receipts)"),
}


@dataclass(frozen=True)
class Personal:
    what: str
    purpose: str
    retention: str  # a RETENTION_CLASSES or FIXED_RETENTION key


NOT_PERSONAL = "not personal"

CONTACT = "Reach the customer on the channel they chose; match later contacts to them."
CASE = "Handle the customer's request (contract / legitimate interest)."
SECURITY = "Prove identity before disclosing private data; detect abuse (legal obligation)."

COLUMNS: dict[str, dict[str, Personal | str]] = {
    "customers": {
        "name": Personal("Customer's name", CONTACT, "customer"),
        "email": Personal("Email address", CONTACT, "customer"),
        "phone": Personal("Phone number", CONTACT, "customer"),
        "language": Personal("Preferred language", CONTACT, "customer"),
        "address": Personal("Postal address", CASE, "customer"),
        "account_number": Personal("Customer account number", CASE, "customer"),
        "email_changed_at": Personal("When the email was changed", SECURITY, "customer"),
        "phone_changed_at": Personal("When the phone was changed", SECURITY, "customer"),
        "sms_opted_out": Personal("Replied STOP to SMS", CONTACT, "customer"),
        "sms_opted_out_at": Personal("When they replied STOP", CONTACT, "customer"),
        "created_at": Personal("First contact", CASE, "customer"),
    },
    "tickets": {
        "subject": Personal("Subject of the request", CASE, "messages"),
        "resolution_summary": Personal("How it was resolved", CASE, "messages"),
        "customer_id": Personal("Whose request it is", CASE, "messages"),
        "verified_until": Personal("Identity verified until", SECURITY, "identity_checks"),
        "verified_level": Personal("How identity was verified", SECURITY, "identity_checks"),
    },
    "messages": {
        "sender": Personal("Sender address or number", CASE, "messages"),
        "recipient": Personal("Recipient address or number", CASE, "messages"),
        "subject": Personal("Subject", CASE, "messages"),
        "body_text": Personal("Message text (voicemail transcription)", CASE, "messages"),
        "body_html": Personal("Message formatting", CASE, "messages"),
        "email_message_id": Personal("Email Message-ID (threading)", CASE, "messages"),
        "in_reply_to": Personal("Email threading header", CASE, "messages"),
        "references_header": Personal("Email threading header", CASE, "messages"),
        "external_sid": Personal("Twilio message/recording id", CASE, "messages"),
        "auth_results": Personal("SPF/DKIM/DMARC verdicts", SECURITY, "messages"),
        "delivery_error": Personal("Why delivery failed", CASE, "messages"),
        "meta": Personal("Recording link, quoted text, delivery notes", CASE, "messages"),
    },
    "attachments": {
        "filename": Personal("File name", CASE, "attachments"),
        "sha256": Personal("Where the file is in the store", CASE, "attachments"),
        "content_id": Personal("Inline image id", CASE, "attachments"),
    },
    "callback_requests": {
        "phone": Personal("Number to call back", CONTACT, "call_logs"),
        "topic": Personal("What the call is about", CASE, "call_logs"),
        "notes": Personal("Agent's notes", CASE, "call_logs"),
        "customer_id": Personal("Who asked", CASE, "call_logs"),
    },
    "calls": {
        "call_sid": Personal("Twilio call id", CASE, "call_logs"),
        "from_number": Personal("Caller's number", CASE, "call_logs"),
        "to_number": Personal("Number called", CASE, "call_logs"),
        "notes": Personal("Agent's notes", CASE, "call_logs"),
        "duration_seconds": Personal("Call length", CASE, "call_logs"),
    },
    "verification_challenges": {
        "customer_id": Personal("Who was checked", SECURITY, "identity_checks"),
        "channel": Personal("How the code was sent", SECURITY, "identity_checks"),
        "code_hash": Personal("Keyed hash of the one-time code", SECURITY, "identity_checks"),
        "link_token_hash": Personal("Hash of the code link", SECURITY, "identity_checks"),
        "used_at": Personal("When the code was used", SECURITY, "identity_checks"),
        "attempts": Personal("Wrong tries", SECURITY, "identity_checks"),
    },
    "audit_events": {
        "actor_id": Personal("Which agent acted", SECURITY, "audit_log"),
        "customer_id": Personal("Which customer it concerned", SECURITY, "audit_log"),
        "ticket_id": Personal("Which ticket it concerned", SECURITY, "audit_log"),
        "detail": Personal("Ids and kinds (never private values)", SECURITY, "audit_log"),
    },
    "agents": {
        "email": Personal("Agent's login email", "Run the agent account.", "account"),
        "name": Personal("Agent's name", "Run the agent account.", "account"),
        "phone": Personal("Agent's phone (click-to-call)", "Connect calls.", "account"),
        "password_hash": Personal("Argon2 password hash", SECURITY, "account"),
    },
    "rate_events": {
        "key": Personal("Counted address, number or IP", SECURITY, "short"),
    },
    "webhook_receipts": {
        "sid": Personal("Twilio id of a delivered webhook", SECURITY, "short"),
    },
    "outbox": {
        "payload": Personal("Ids of the rows a job works on", CASE, "short"),
        "last_error": Personal("Why a job failed (may name an address)", CASE, "short"),
    },
    "articles": {
        "source_ticket_id": Personal("Ticket the answer came from", CASE, "messages"),
        "redaction_report": Personal("What the anonymizer removed (counts)", CASE, "messages"),
    },
    "article_votes": {
        "voter_hash": Personal("Hashed browser cookie (one vote each)", CASE, "short"),
    },
    "privacy_requests": {
        "customer_id": Personal("Whose request (cleared by the erasure)", SECURITY, "audit_log"),
        "requested_by_id": Personal("Admin who asked", SECURITY, "audit_log"),
    },
}
# Columns that describe no person: ids, statuses, counters, timestamps of workflow.
NOT_PERSONAL_COLUMNS = {
    "id",
    "created_at",
    "updated_at",
    "status",
    "version",
    "language",
    "channel",
    "direction",
    "priority",
    "kind",
    "at",
    "action",
    "actor_type",
    "ticket_id",
    "message_id",
    "article_id",
    "callback_id",
    "agent_id",
    "author_agent_id",
    "assignee_id",
    "approved_by_id",
    "created_by_agent_id",
}
NOT_PERSONAL_TABLES = {"settings", "canned_replies", "scheduled_runs"}


def classify(table: str, column: str) -> Personal | str | None:
    if table in NOT_PERSONAL_TABLES:
        return NOT_PERSONAL
    found = COLUMNS.get(table, {}).get(column)
    if found is not None:
        return found
    if column in NOT_PERSONAL_COLUMNS:
        return NOT_PERSONAL
    return EXTRA_NOT_PERSONAL.get(table, {}).get(column)


# Per-table columns reviewed and found to hold nothing about a person.
EXTRA_NOT_PERSONAL: dict[str, dict[str, str]] = {
    "tickets": {
        "reference": NOT_PERSONAL,
        "last_customer_message_at": NOT_PERSONAL,
        "first_response_at": NOT_PERSONAL,
        "resolved_at": NOT_PERSONAL,
    },
    "messages": {
        "is_internal": NOT_PERSONAL,
        "spoof_suspected": NOT_PERSONAL,
        "delivery_status": NOT_PERSONAL,
    },
    "attachments": {
        "content_type": NOT_PERSONAL,
        "size": NOT_PERSONAL,
        "inline": NOT_PERSONAL,
    },
    "callback_requests": {
        "window": NOT_PERSONAL,
        "window_start": NOT_PERSONAL,
        "window_end": NOT_PERSONAL,
        "source": NOT_PERSONAL,
        "attempts": NOT_PERSONAL,
        "next_attempt_at": NOT_PERSONAL,
        "outcome": NOT_PERSONAL,
    },
    "calls": {"answered_by": NOT_PERSONAL, "outcome": NOT_PERSONAL},
    "verification_challenges": {"expires_at": NOT_PERSONAL, "dead": NOT_PERSONAL},
    "agents": {"role": NOT_PERSONAL, "active": NOT_PERSONAL},
    "rate_events": {},
    "webhook_receipts": {"received_at": NOT_PERSONAL},
    "outbox": {
        "topic": NOT_PERSONAL,
        "available_at": NOT_PERSONAL,
        "dispatched_at": NOT_PERSONAL,
        "completed_at": NOT_PERSONAL,
        "dispatch_count": NOT_PERSONAL,
        "job_attempts": NOT_PERSONAL,
        "failed": NOT_PERSONAL,
    },
    "articles": {
        "slug": NOT_PERSONAL,
        "title": NOT_PERSONAL,
        "problem": NOT_PERSONAL,
        "resolution": NOT_PERSONAL,
        "category": NOT_PERSONAL,
        "helpful_yes": NOT_PERSONAL,
        "helpful_no": NOT_PERSONAL,
        "approved_at": NOT_PERSONAL,
        "published_at": NOT_PERSONAL,
        "retracted_at": NOT_PERSONAL,
    },
    "article_votes": {"helpful": NOT_PERSONAL},
    "privacy_requests": {
        "keep_article_ids": NOT_PERSONAL,
        "cleanup": NOT_PERSONAL,
        "counts": NOT_PERSONAL,
        "last_error": NOT_PERSONAL,
        "completed_at": NOT_PERSONAL,
    },
}


@dataclass
class Record:
    table: str
    column: str
    what: str
    purpose: str
    retention: str


def records() -> list[Record]:
    """Every personal column of the live schema, in table order (the admin page)."""
    found = []
    for table in sorted(db.metadata.tables.values(), key=lambda t: t.name):
        for column in table.columns:
            entry = classify(table.name, column.name)
            if isinstance(entry, Personal):
                found.append(
                    Record(table.name, column.name, entry.what, entry.purpose, entry.retention)
                )
    return found


def unclassified() -> list[str]:
    """Columns nobody classified: a new column must say whether it is personal."""
    return [
        f"{table.name}.{column.name}"
        for table in db.metadata.tables.values()
        for column in table.columns
        if classify(table.name, column.name) is None
    ]
