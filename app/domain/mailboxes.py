"""Mailboxes we read over IMAP: their settings, their live status, and receipts.

Settings come from `IMAP_MAILBOXES` (a JSON list) and from the admin page (stored in
`mailbox_accounts`, secrets encrypted with a key derived from SECRET_KEY). The fetcher
(`inbound/imap.py`) records here what it imported, so a message is imported exactly once
whatever happens to the connection, and what state each mailbox is in, so an admin sees a
wrong password on the admin page and in /readyz instead of in a log nobody reads.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain.errors import DomainError
from app.extensions import db
from app.models import ImapReceipt, MailboxAccount, MailboxState
from app.models.base import utcnow

AUTH_METHODS = ("password", "microsoft", "google")
SECURITY = ("tls", "starttls", "plain")
# A provider's own Authentication-Results carry its authserv-id; only those are believed.
DEFAULT_AUTHSERV_IDS = {"google": "mx.google.com"}


class MailboxConfigError(DomainError):
    """IMAP_MAILBOXES (or an admin entry) is not usable; the message says what to fix."""

    default_message = _l("These mailbox settings cannot be used.")


@dataclass
class MailboxConfig:
    """One mailbox to read, wherever its settings came from."""

    name: str
    host: str
    username: str
    port: int = 993
    security: str = "tls"  # tls (implicit, 993) | starttls (143) | plain (local tests only)
    auth: str = "password"  # password | microsoft (msal) | google (service account)
    password: str = ""  # the password, the Microsoft client secret, or Google's JSON key
    tenant: str = ""  # Microsoft: directory (tenant) id
    client_id: str = ""  # Microsoft: application (client) id
    token_url: str = ""  # override the OAuth2 authority / token endpoint (tests, sovereign clouds)
    folder: str = "INBOX"
    processed_folder: str = "Processed"  # empty: flag with $HelpdeskImported instead of moving
    failed_folder: str = ""  # default IMAP_FAILED_FOLDER ("Could not import")
    authserv_id: str = ""  # the provider's authserv-id in Authentication-Results
    smtp_host: str = ""  # replies go out through this account when set
    smtp_port: int = 587
    smtp_security: str = "starttls"
    sent_folder: str = "Sent"  # where a copy of each reply is APPENDed ("" = none)
    address: str = ""  # the address customers write to (default: username)
    source: str = "config"  # config | admin
    ca_file: str = ""  # trust this CA too (a private CA; tests)

    @property
    def email_address(self) -> str:
        return (self.address or self.username).lower()

    def validate(self) -> MailboxConfig:
        if not self.name or not self.host or not self.username:
            raise MailboxConfigError("a mailbox needs a name, a host and a username")
        if self.security not in SECURITY:
            raise MailboxConfigError(f"{self.name}: security must be one of {', '.join(SECURITY)}")
        if self.auth not in AUTH_METHODS:
            raise MailboxConfigError(f"{self.name}: auth must be one of {', '.join(AUTH_METHODS)}")
        if self.auth == "microsoft" and not (self.tenant and self.client_id and self.password):
            raise MailboxConfigError(
                f"{self.name}: Microsoft 365 needs tenant, client_id and the client secret"
            )
        if not self.authserv_id:
            self.authserv_id = DEFAULT_AUTHSERV_IDS.get(self.auth, "")
        if not self.failed_folder:
            self.failed_folder = current_app.config["IMAP_FAILED_FOLDER"]
        return self


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"mailbox-secrets:" + current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


def encrypt_secret(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt_secret(value: str) -> str:
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return ""  # SECRET_KEY changed: the admin must enter the secret again


def from_config() -> list[MailboxConfig]:
    """Mailboxes listed in IMAP_MAILBOXES (JSON: a list of objects with MailboxConfig keys)."""
    raw = current_app.config.get("IMAP_MAILBOXES") or ""
    if not raw.strip():
        return []
    try:
        items = json.loads(raw)
    except ValueError as error:
        raise MailboxConfigError(f"IMAP_MAILBOXES is not valid JSON: {error}") from error
    if isinstance(items, dict):
        items = [items]
    known = {f.name for f in fields(MailboxConfig)}
    result = []
    for item in items:
        if not isinstance(item, dict):
            raise MailboxConfigError("IMAP_MAILBOXES must be a list of objects")
        unknown = set(item) - known
        if unknown:
            raise MailboxConfigError(f"IMAP_MAILBOXES: unknown keys {sorted(unknown)}")
        item = {"name": item.get("username", ""), **item, "source": "config"}
        result.append(MailboxConfig(**item).validate())
    return result


def from_account(account: MailboxAccount) -> MailboxConfig:
    return MailboxConfig(
        name=account.name,
        host=account.host,
        port=account.port,
        security=account.security,
        username=account.username,
        auth=account.auth,
        password=decrypt_secret(account.secret),
        tenant=account.tenant,
        client_id=account.client_id,
        folder=account.folder,
        processed_folder=account.processed_folder,
        smtp_host=account.smtp_host,
        smtp_port=account.smtp_port,
        smtp_security=account.smtp_security,
        sent_folder=account.sent_folder,
        source="admin",
    ).validate()


def all_mailboxes() -> list[MailboxConfig]:
    """Every enabled mailbox: configured ones first, then those added on the admin page."""
    configured = from_config()
    names = {m.name for m in configured}
    accounts = db.session.scalars(
        select(MailboxAccount).where(MailboxAccount.enabled.is_(True)).order_by(MailboxAccount.id)
    ).all()
    return configured + [from_account(a) for a in accounts if a.name not in names]


def outgoing_mailbox() -> MailboxConfig | None:
    """The mailbox whose submission server sends our replies (the first with smtp_host)."""
    try:
        return next((m for m in all_mailboxes() if m.smtp_host), None)
    except MailboxConfigError:
        return None


def public_view(config: MailboxConfig) -> dict:
    """Settings without the secret, for pages and logs."""
    data = asdict(config)
    data.pop("password", None)
    return data


# status ------------------------------------------------------------------------------------


def record_state(
    name: str,
    state: str,
    message: str = "",
    *,
    retry_in: float | None = None,
    uidvalidity: int | None = None,
    imported: int = 0,
) -> MailboxState:
    """Remember how the last attempt on a mailbox went (flushes; the caller commits)."""
    row = db.session.get(MailboxState, name)
    if row is None:
        row = MailboxState(name=name, imported=0, message="")
        db.session.add(row)
    now = utcnow()
    row.state = state
    row.message = message[:2000]
    row.updated_at = now
    row.retry_at = now + timedelta(seconds=retry_in) if retry_in else None
    if state == "ok":
        row.last_success_at = now
    if uidvalidity is not None:
        row.uidvalidity = uidvalidity
    row.imported = (row.imported or 0) + imported
    db.session.flush()
    return row


def states() -> dict[str, MailboxState]:
    return {row.name: row for row in db.session.scalars(select(MailboxState)).all()}


def problems() -> dict[str, str]:
    """Mailboxes we cannot read right now, with the reason in plain words (for /readyz)."""
    try:
        names = {m.name for m in all_mailboxes()}
    except MailboxConfigError as error:
        return {"mailboxes": str(error)}
    return {
        f"mailbox:{row.name}": row.message or row.state
        for row in states().values()
        if row.name in names and row.state in ("auth_failed", "error")
    }


# receipts ----------------------------------------------------------------------------------


def receipts(mailbox: str, uidvalidity: int, uids: list[int]) -> dict[int, str]:
    """UID -> outcome for the UIDs of this mailbox generation we already took (committed)."""
    if not uids:
        return {}
    rows = db.session.execute(
        select(ImapReceipt.uid, ImapReceipt.outcome).where(
            ImapReceipt.mailbox == mailbox,
            ImapReceipt.uidvalidity == uidvalidity,
            ImapReceipt.uid.in_(uids),
        )
    )
    return {uid: outcome for uid, outcome in rows}


def known_message_ids(mailbox: str, message_ids: list[str]) -> set[str]:
    """Those of these Message-IDs already taken from this mailbox (under an older
    UIDVALIDITY, say): the same mail is never imported twice."""
    wanted = [m[:998] for m in message_ids if m]
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            select(ImapReceipt.message_id).where(
                ImapReceipt.mailbox == mailbox, ImapReceipt.message_id.in_(wanted)
            )
        )
    )


def record_receipt(
    mailbox: str,
    uidvalidity: int,
    uid: int,
    *,
    message_id: str | None,
    outcome: str,
    reference: str | None = None,
) -> None:
    """Add the receipt in the caller's transaction (the one that stores the ticket message)."""
    db.session.add(
        ImapReceipt(
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=uid,
            message_id=message_id[:998] if message_id else None,
            outcome=outcome,
            reference=reference,
        )
    )
    db.session.flush()


def last_success(name: str) -> datetime | None:
    row = db.session.get(MailboxState, name)
    return row.last_success_at if row else None
