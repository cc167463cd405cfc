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
    what: object  # lazy_gettext strings: translated when shown
    purpose: object
    retention: str  # a RETENTION_CLASSES or FIXED_RETENTION key


NOT_PERSONAL = "not personal"

CONTACT = _l("Reach the customer on the channel they chose; match later contacts to them.")
CASE = _l("Handle the customer's request (contract / legitimate interest).")
SECURITY = _l("Prove identity before disclosing private data; detect abuse (legal obligation).")

COLUMNS: dict[str, dict[str, Personal | str]] = {
    "customers": {
        "name": Personal(_l("Customer's name"), CONTACT, "customer"),
        "email": Personal(_l("Email address"), CONTACT, "customer"),
        "phone": Personal(_l("Phone number"), CONTACT, "customer"),
        "language": Personal(_l("Preferred language"), CONTACT, "customer"),
        "address": Personal(_l("Postal address"), CASE, "customer"),
        "account_number": Personal(_l("Customer account number"), CASE, "customer"),
        "email_changed_at": Personal(_l("When the email was changed"), SECURITY, "customer"),
        "phone_changed_at": Personal(_l("When the phone was changed"), SECURITY, "customer"),
        "sms_opted_out": Personal(_l("Replied STOP to SMS"), CONTACT, "customer"),
        "sms_opted_out_at": Personal(_l("When they replied STOP"), CONTACT, "customer"),
        "created_at": Personal(_l("First contact"), CASE, "customer"),
    },
    "tickets": {
        "subject": Personal(_l("Subject of the request"), CASE, "messages"),
        "resolution_summary": Personal(_l("How it was resolved"), CASE, "messages"),
        "customer_id": Personal(_l("Whose request it is"), CASE, "messages"),
        "verified_until": Personal(_l("Identity verified until"), SECURITY, "identity_checks"),
        "verified_level": Personal(_l("How identity was verified"), SECURITY, "identity_checks"),
        "public_question": Personal(
            _l("Question and answer written for the public"), CASE, "messages"
        ),
        "public_answer": Personal(
            _l("Question and answer written for the public"), CASE, "messages"
        ),
    },
    "messages": {
        "sender": Personal(_l("Sender address or number"), CASE, "messages"),
        "recipient": Personal(_l("Recipient address or number"), CASE, "messages"),
        "subject": Personal(_l("Subject"), CASE, "messages"),
        "body_text": Personal(_l("Message text (voicemail transcription)"), CASE, "messages"),
        "body_html": Personal(_l("Message formatting"), CASE, "messages"),
        "email_message_id": Personal(_l("Email Message-ID (threading)"), CASE, "messages"),
        "in_reply_to": Personal(_l("Email threading header"), CASE, "messages"),
        "references_header": Personal(_l("Email threading header"), CASE, "messages"),
        "external_sid": Personal(_l("Twilio message/recording id"), CASE, "messages"),
        "auth_results": Personal(_l("SPF/DKIM/DMARC verdicts"), SECURITY, "messages"),
        "delivery_error": Personal(_l("Why delivery failed"), CASE, "messages"),
        "meta": Personal(_l("Recording link, quoted text, delivery notes"), CASE, "messages"),
    },
    "attachments": {
        "filename": Personal(_l("File name"), CASE, "attachments"),
        "sha256": Personal(_l("Where the file is in the store"), CASE, "attachments"),
        "content_id": Personal(_l("Inline image id"), CASE, "attachments"),
    },
    "callback_requests": {
        "phone": Personal(_l("Number to call back"), CONTACT, "call_logs"),
        "topic": Personal(_l("What the call is about"), CASE, "call_logs"),
        "notes": Personal(_l("Agent's notes"), CASE, "call_logs"),
        "customer_id": Personal(_l("Who asked"), CASE, "call_logs"),
    },
    "calls": {
        "call_sid": Personal(_l("Twilio call id"), CASE, "call_logs"),
        "from_number": Personal(_l("Caller's number"), CASE, "call_logs"),
        "to_number": Personal(_l("Number called"), CASE, "call_logs"),
        "notes": Personal(_l("Agent's notes"), CASE, "call_logs"),
        "duration_seconds": Personal(_l("Call length"), CASE, "call_logs"),
    },
    "verification_challenges": {
        "customer_id": Personal(_l("Who was checked"), SECURITY, "identity_checks"),
        "channel": Personal(_l("How the code was sent"), SECURITY, "identity_checks"),
        "code_hash": Personal(_l("Keyed hash of the one-time code"), SECURITY, "identity_checks"),
        "link_token_hash": Personal(_l("Hash of the code link"), SECURITY, "identity_checks"),
        "used_at": Personal(_l("When the code was used"), SECURITY, "identity_checks"),
        "attempts": Personal(_l("Wrong tries"), SECURITY, "identity_checks"),
    },
    "audit_events": {
        "actor_id": Personal(_l("Which agent acted"), SECURITY, "audit_log"),
        "customer_id": Personal(_l("Which customer it concerned"), SECURITY, "audit_log"),
        "ticket_id": Personal(_l("Which ticket it concerned"), SECURITY, "audit_log"),
        "detail": Personal(_l("Ids and kinds (never private values)"), SECURITY, "audit_log"),
    },
    "agents": {
        "email": Personal(_l("Agent's login email"), _l("Run the agent account."), "account"),
        "name": Personal(_l("Agent's name"), _l("Run the agent account."), "account"),
        "phone": Personal(_l("Agent's phone (click-to-call)"), _l("Connect calls."), "account"),
        "password_hash": Personal(_l("Argon2 password hash"), SECURITY, "account"),
        "totp_secret": Personal(_l("Second-factor secret (encrypted)"), SECURITY, "account"),
        "totp_enabled_at": Personal(_l("When two-step login was turned on"), SECURITY, "account"),
        "totp_last_step": Personal(_l("Last one-time code step used"), SECURITY, "account"),
    },
    "rate_events": {
        "key": Personal(_l("Counted address, number or IP"), SECURITY, "short"),
    },
    "attempt_counters": {
        "key": Personal(_l("Counted address, number or IP"), SECURITY, "short"),
    },
    "agent_sessions": {
        "token_hash": Personal(_l("Hash of an agent's session"), SECURITY, "account"),
        "last_seen_at": Personal(_l("When the agent was last active"), SECURITY, "account"),
    },
    "agent_recovery_codes": {
        "code_hash": Personal(_l("Hash of an agent's recovery code"), SECURITY, "account"),
    },
    "agent_passkeys": {
        "credential_id": Personal(_l("Agent's passkey"), SECURITY, "account"),
        "public_key": Personal(_l("Agent's passkey"), SECURITY, "account"),
        "name": Personal(_l("Agent's passkey"), SECURITY, "account"),
        "last_used_at": Personal(_l("When the agent was last active"), SECURITY, "account"),
    },
    "webhook_receipts": {
        "sid": Personal(_l("Twilio id of a delivered webhook"), SECURITY, "short"),
    },
    "outbox": {
        "payload": Personal(_l("Ids of the rows a job works on"), CASE, "short"),
        "last_error": Personal(_l("Why a job failed (may name an address)"), CASE, "short"),
    },
    "articles": {
        "source_ticket_id": Personal(_l("Ticket the answer came from"), CASE, "messages"),
        "redaction_report": Personal(_l("What the anonymizer removed (counts)"), CASE, "messages"),
        "flags": Personal(_l("Words the anonymizer flagged (may be a name)"), CASE, "messages"),
    },
    "article_votes": {
        "voter_hash": Personal(_l("Hashed browser cookie (one vote each)"), CASE, "short"),
    },
    "privacy_requests": {
        "customer_id": Personal(
            _l("Whose request (cleared by the erasure)"), SECURITY, "audit_log"
        ),
        "requested_by_id": Personal(_l("Admin who asked"), SECURITY, "audit_log"),
    },
}
# Tables and columns added by later features (issues 16, 17, 20).
HELPER = _l("Let a relative or carer the customer named act for them, within limits.")
COLUMNS["customers"].update(
    {
        "name_folded": Personal(_l("Customer's name, case-folded for search"), CONTACT, "customer"),
        "name_tail_folded": Personal(
            _l("Customer's surname, case-folded for search"), CONTACT, "customer"
        ),
        "care_note": Personal(_l("Care note (how best to reach them)"), CONTACT, "customer"),
        "merged_into_id": Personal(_l("Merged into another customer record"), CASE, "customer"),
    }
)
COLUMNS["tickets"]["verified_helper_id"] = Personal(
    _l("Which helper was verified"), SECURITY, "identity_checks"
)
COLUMNS["verification_challenges"]["helper_id"] = Personal(
    _l("Which helper a code went to"), SECURITY, "identity_checks"
)
COLUMNS["agents"]["available"] = Personal(_l("Agent available for new tickets"), CASE, "account")
COLUMNS["trusted_helpers"] = {
    "customer_id": Personal(_l("Whose helper it is"), HELPER, "customer"),
    "name": Personal(_l("Helper's name"), HELPER, "customer"),
    "phone": Personal(_l("Helper's phone number"), HELPER, "customer"),
    "email": Personal(_l("Helper's email address"), HELPER, "customer"),
    "scope_ticket_id": Personal(_l("Which ticket the helper may act on"), HELPER, "customer"),
    "may_see": Personal(_l("What the helper may hear"), HELPER, "customer"),
    "expires_at": Personal(_l("Until when the helper may act"), HELPER, "customer"),
    "revoked_at": Personal(_l("When the helper was removed"), HELPER, "customer"),
}
COLUMNS["ticket_tags"] = {"tag": Personal(_l("Tags on a request"), CASE, "messages")}
COLUMNS["customer_merges"] = {
    "source_id": Personal(_l("Customer record merged away"), CASE, "customer"),
    "target_id": Personal(_l("Customer record kept"), CASE, "customer"),
    "reason": Personal(_l("Why two records were merged"), CASE, "customer"),
    "confirmed_warnings": Personal(_l("Warnings confirmed at a merge"), CASE, "customer"),
    "snapshot": Personal(_l("Contact details before a merge (to undo it)"), CASE, "customer"),
    "moved": Personal(_l("What a merge moved"), CASE, "customer"),
    "split_at": Personal(_l("When a merge was undone"), CASE, "customer"),
    "split_by_agent_id": Personal(_l("Who undid a merge"), CASE, "customer"),
    "split_reason": Personal(_l("Why a merge was undone"), CASE, "customer"),
}
COLUMNS["satisfaction_surveys"] = {
    "customer_id": Personal(_l("Who was asked how we did"), CASE, "messages"),
    "sent_at": Personal(_l("When we asked"), CASE, "messages"),
    "score": Personal(_l("Their answer (1-3)"), CASE, "messages"),
    "answered_at": Personal(_l("When they answered"), CASE, "messages"),
    "answered_via": Personal(_l("How they answered"), CASE, "messages"),
}
COLUMNS["imap_receipts"] = {
    "mailbox": NOT_PERSONAL,
    "uidvalidity": NOT_PERSONAL,
    "uid": NOT_PERSONAL,
    "outcome": NOT_PERSONAL,
    "reference": NOT_PERSONAL,  # our ticket reference
}
# Configuration of the organisation's own mailboxes, API tokens and webhooks: no customer.
NOT_PERSONAL_TABLES_MORE = {"mailbox_accounts", "mailbox_states", "api_tokens", "webhook_endpoints"}


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
NOT_PERSONAL_TABLES = {"settings", "canned_replies", "scheduled_runs", *NOT_PERSONAL_TABLES_MORE}


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
        "first_response_minutes": NOT_PERSONAL,
        "first_response_met": NOT_PERSONAL,
        "resolution_minutes": NOT_PERSONAL,
        "resolution_met": NOT_PERSONAL,
        "sla_due_at": NOT_PERSONAL,
        "resolution_due_at": NOT_PERSONAL,
    },
    "messages": {
        "is_internal": NOT_PERSONAL,
        "spoof_suspected": NOT_PERSONAL,
        "delivery_status": NOT_PERSONAL,
        "delivery_key": NOT_PERSONAL,  # a hash that makes delivery idempotent
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
        "due_at": NOT_PERSONAL,
        "reached_at": NOT_PERSONAL,
        "answer_minutes": NOT_PERSONAL,
        "sla_met": NOT_PERSONAL,
    },
    "sla_notices": {
        "clock": NOT_PERSONAL,
        "started_at": NOT_PERSONAL,
        "due_at": NOT_PERSONAL,
        "recipients": NOT_PERSONAL,  # agent ids
        "sent_to": NOT_PERSONAL,  # agent ids
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
        "stale_checks": NOT_PERSONAL,
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
        "review_reason": NOT_PERSONAL,
        "checked_at": NOT_PERSONAL,
        "helpful_no_at_check": NOT_PERSONAL,
        "superseded_by_id": NOT_PERSONAL,
        "search_stems": NOT_PERSONAL,  # stems of the public text above
    },
    "article_votes": {"helpful": NOT_PERSONAL},
    "attempt_counters": {"window_started_at": NOT_PERSONAL, "count": NOT_PERSONAL},
    "agent_sessions": {"revoked_at": NOT_PERSONAL, "revoked_reason": NOT_PERSONAL},
    "agent_recovery_codes": {"used_at": NOT_PERSONAL},
    "agent_passkeys": {"sign_count": NOT_PERSONAL},
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
    what: object
    purpose: object
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
