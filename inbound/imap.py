"""Mailbox intake: read an existing mailbox over IMAP and feed the same intake path as SMTP.

Exactly once, whatever happens to the connection:
1. a message is fetched (BODY.PEEK: the mailbox is not changed),
2. its ticket message and an `imap_receipts` row keyed by (mailbox, UIDVALIDITY, UID) are
   committed in one transaction,
3. only then is it marked: moved to "Processed" (or flagged `$HelpdeskImported`).
A crash between 2 and 3 leaves the message in place; on the next pass the receipt says it
is ours and it is only marked. A second fetcher racing us loses on the receipt's unique key
(or on the Message-ID) and only marks. After a UIDVALIDITY change the old UIDs mean nothing,
so the Message-ID (ours if the mail had none) recognises mail we already have. Mail the
parser refuses, or larger than IMAP_MAX_BYTES, is moved to "Could not import" for a person;
never deleted and never retried forever.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.utils import getaddresses

from flask import Flask
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

from app.adapters.mailbox_account import SignInRefused, imap_connect
from app.domain import mailboxes
from app.domain.email_intake import receive_email
from app.domain.mailboxes import MailboxConfig
from app.extensions import db
from inbound import authentication
from inbound.parse import UnparseableEmail, parse_email
from inbound.transactions import begin_batch, end_batch

log = logging.getLogger(__name__)

IMPORTED_KEYWORD = "$HelpdeskImported"
# what a broken connection looks like from imapclient/imaplib/ssl
CONNECTION_ERRORS = (IMAPClientError, imaplib.IMAP4.abort, OSError, socket.timeout, EOFError)
SET_ASIDE = ("rejected", "too-large")  # receipts of mail moved to "Could not import"
MAX_ATTEMPTS = 3  # a message that makes intake fail this often goes to "Could not import"


@dataclass
class Pass:
    """What one pass over the mailbox did (for logs, tests and the bench)."""

    imported: int = 0
    marked: int = 0
    rejected: int = 0


def _message_id(parsed, raw: bytes) -> str:
    """The mail's Message-ID, or a stable one from its bytes (so a re-fetch is recognised)."""
    return parsed.message_id or f"<imap-{hashlib.sha256(raw).hexdigest()[:40]}@helpdesk.invalid>"


def _recipients(parsed, config: MailboxConfig) -> list[str]:
    """Who it was addressed to: Delivered-To / To / Cc (a signed plus address threads it)."""
    headers = parsed.headers
    found = [parsed.to] if isinstance(parsed.to, str) else list(parsed.to or [])
    for name in ("delivered-to", "x-original-to", "cc"):
        if headers.get(name):
            found += [addr for _, addr in getaddresses([headers[name]]) if addr]
    seen: list[str] = []
    for address in [*found, config.email_address]:
        address = address.lower()
        if address and address not in seen:
            seen.append(address)
    return seen


def _envelope_from(parsed) -> str:
    """Return-Path as the provider recorded it ("" for bounces), else the From address."""
    value = parsed.headers.get("return-path")
    if value is not None:
        address = getaddresses([value])[0][1] if value.strip() not in ("<>", "") else ""
        return address.lower()
    return parsed.sender_email or ""


def _chunks_by_size(uids: list[int], sizes: dict[int, int], max_bytes: int) -> list[list[int]]:
    """Group UIDs so one FETCH brings at most ~max_bytes (a 30 MB mail comes alone)."""
    chunks: list[list[int]] = []
    current: list[int] = []
    total = 0
    for uid in uids:
        if current and total + sizes[uid] > max_bytes:
            chunks.append(current)
            current, total = [], 0
        current.append(uid)
        total += sizes[uid]
    if current:
        chunks.append(current)
    return chunks


class MailboxFetcher:
    """Keeps one mailbox drained: a pass over the backlog, then IDLE (or polling) for more."""

    def __init__(
        self,
        app: Flask,
        config: MailboxConfig,
        stop: threading.Event | None = None,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self.stop = stop or threading.Event()
        self.client: IMAPClient | None = None
        self.uidvalidity: int | None = None
        self.failures: dict[tuple[int, int], int] = {}
        self.on_commit = on_commit  # test hook: called with the UID after each commit
        self.capabilities: set[bytes] = set()

    # connection ---------------------------------------------------------------------------
    def open(self) -> None:
        self.close()
        self.client = imap_connect(self.config)
        self.capabilities = set(self.client.capabilities())
        for folder in (self.config.processed_folder, self.config.failed_folder):
            if folder and not self.client.folder_exists(folder):
                with contextlib.suppress(IMAPClientError):  # another fetcher made it first
                    self.client.create_folder(folder)
        status = self.client.select_folder(self.config.folder)
        self.uidvalidity = int(status[b"UIDVALIDITY"])

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.logout()
            with contextlib.suppress(Exception):
                self.client.shutdown()
        self.client = None

    # one pass -----------------------------------------------------------------------------
    def pending(self) -> list[int]:
        if self.config.processed_folder:
            criteria = ["NOT", "DELETED"]
        else:
            criteria = ["NOT", "DELETED", "UNKEYWORD", IMPORTED_KEYWORD]
        return sorted(self.client.search(criteria))

    def drain(self) -> Pass:
        """Import everything waiting in the folder, batch by batch. Returns the counts."""
        done = Pass()
        uids = self.pending()
        batch = max(1, self.app.config["IMAP_BATCH"])
        for start in range(0, len(uids), batch):
            if self.stop.is_set():
                break
            part = self._batch(uids[start : start + batch])
            done.imported += part.imported
            done.marked += part.marked
            done.rejected += part.rejected
        if uids:
            self._set_state("ok", imported=done.imported)
        return done

    def _batch(self, uids: list[int]) -> Pass:
        done = Pass()
        with self.app.app_context():
            try:
                known = mailboxes.receipts(self.config.name, self.uidvalidity, uids)
                rejected_before = {u for u, outcome in known.items() if outcome in SET_ASIDE}
            finally:
                db.session.remove()
        to_mark = [u for u in uids if u in known and u not in rejected_before]
        to_reject = [u for u in uids if u in rejected_before]
        fresh = [u for u in uids if u not in known]
        if fresh:
            limit = self.app.config["IMAP_MAX_BYTES"]
            sizes = {
                uid: int(data.get(b"RFC822.SIZE", 0))
                for uid, data in self.client.fetch(fresh, ["RFC822.SIZE"]).items()
            }
            small = [u for u in fresh if u in sizes and sizes[u] <= limit]
            for uid in fresh:
                if uid in sizes and sizes[uid] > limit:
                    self._reject(uid, None, "too-large")
                    to_reject.append(uid)
            for chunk in _chunks_by_size(small, sizes, max_bytes=8 * 1024 * 1024):
                bodies = self.client.fetch(chunk, ["BODY.PEEK[]"])
                found = [(u, bodies[u][b"BODY[]"]) for u in chunk if b"BODY[]" in bodies.get(u, {})]
                # (a UID missing from the answer was expunged by someone else meanwhile)
                for uid, outcome in self._import_many(found).items():
                    if outcome == "rejected":
                        to_reject.append(uid)
                    elif outcome is not None:
                        to_mark.append(uid)
                        done.imported += outcome == "imported"
        if to_mark:
            self.mark(to_mark)
            done.marked = len(to_mark)
        if to_reject:
            self.move(to_reject, self.config.failed_folder)
            done.rejected = len(to_reject)
        return done

    def _verdicts(self, raw: bytes) -> authentication.Verdicts:
        if not self.config.authserv_id:
            return authentication.Verdicts()
        headers = message_from_bytes(raw, policy=policy.compat32).get_all("Authentication-Results")
        return authentication.from_trusted_header(
            [str(v) for v in headers or []], self.config.authserv_id
        )

    def _reject(self, uid: int, message_id: str | None, outcome: str) -> None:
        """Remember that a person must look at this one (it is then moved, never deleted)."""
        with self.app.app_context():
            try:
                mailboxes.record_receipt(
                    self.config.name, self.uidvalidity, uid, message_id=message_id, outcome=outcome
                )
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
            finally:
                db.session.remove()
        log.warning(
            "mailbox %s: message uid %s moved for a person (%s)", self.config.name, uid, outcome
        )

    def _import_many(self, items: list[tuple[int, bytes]]) -> dict[int, str | None]:
        """Store a chunk of messages with their receipts in ONE transaction (a savepoint
        each, so one bad message does not undo the others), then commit.

        Per UID: 'imported', 'known' (ours already), 'rejected' (for a person), or None
        (intake failed on it; retried on the next pass, at most MAX_ATTEMPTS times).
        """
        outcomes: dict[int, str | None] = {}
        parsed_items = []
        for uid, raw in items:
            try:
                parsed = parse_email(raw)
            except Exception as error:  # noqa: BLE001 - UnparseableEmail, or a parser bug
                if not isinstance(error, UnparseableEmail):
                    log.exception("parser failed on a mailbox message")
                self._reject(uid, None, "rejected")
                outcomes[uid] = "rejected"
                continue
            parsed.message_id = _message_id(parsed, raw)
            parsed_items.append((uid, raw, parsed))
        if not parsed_items:
            return outcomes
        for attempt in range(4):
            committed: list[int] = []
            with self.app.app_context():
                try:
                    begin_batch()  # SQLite: the savepoints nest in ONE transaction
                    seen = mailboxes.known_message_ids(
                        self.config.name, [p.message_id for _, _, p in parsed_items]
                    )
                    for uid, raw, parsed in parsed_items:
                        outcomes[uid] = self._store(uid, raw, parsed, seen)
                        if outcomes[uid] in ("imported", "known"):
                            committed.append(uid)
                    db.session.commit()
                    break
                except OperationalError:
                    # SQLite: another writer (a second fetcher, the SMTP server) got there
                    # first; everything was rolled back, so simply try the chunk again
                    db.session.rollback()
                    if attempt == 3:
                        raise  # the database is unwell: the pass stops, retried with backoff
                except SQLAlchemyError:
                    db.session.rollback()
                    raise
                finally:
                    end_batch()
                    db.session.remove()
            time.sleep(0.05 * (attempt + 1) * random.uniform(1, 3))
        for uid, outcome in list(outcomes.items()):
            if outcome == "reject-later":
                self._reject(uid, None, "rejected")
                outcomes[uid] = "rejected"
        if self.on_commit:
            for uid in committed:
                self.on_commit(uid)
        return outcomes

    def _store(self, uid: int, raw: bytes, parsed, seen: set[str]) -> str | None:
        """One message inside the chunk's transaction, in its own savepoint."""
        try:
            with db.session.begin_nested():
                if parsed.message_id in seen:
                    outcome, reference = "known", None
                else:
                    result = receive_email(
                        parsed,
                        self._verdicts(raw),
                        envelope_from=_envelope_from(parsed),
                        recipients=_recipients(parsed, self.config),
                    )
                    outcome, reference = result.kind, result.reference
                mailboxes.record_receipt(
                    self.config.name,
                    self.uidvalidity,
                    uid,
                    message_id=parsed.message_id,
                    outcome=outcome,
                    reference=reference,
                )
            seen.add(parsed.message_id)
        except IntegrityError:
            # another fetcher committed this UID (or this Message-ID) first: it is stored
            return "known"
        except (OperationalError, InterfaceError, DisconnectionError):
            raise  # the database, not this message: stop the pass
        except Exception:  # noqa: BLE001 - a bug on one mail must not stop the mailbox
            log.exception("intake failed on a mailbox message")
            key = (self.uidvalidity, uid)
            self.failures[key] = self.failures.get(key, 0) + 1
            return "reject-later" if self.failures[key] >= MAX_ATTEMPTS else None
        return "known" if outcome in ("known", "duplicate") else "imported"

    def mark(self, uids: list[int]) -> None:
        if self.config.processed_folder:
            self.move(uids, self.config.processed_folder)
        else:
            self.client.add_flags(uids, [IMPORTED_KEYWORD], silent=True)

    def move(self, uids: list[int], folder: str) -> None:
        """Move; messages another fetcher moved meanwhile are skipped (they are done)."""
        try:
            self._move(uids, folder)
        except imaplib.IMAP4.error:  # NO [EXPUNGEISSUED]: some are gone already
            for uid in uids:
                with contextlib.suppress(imaplib.IMAP4.error):
                    self._move([uid], folder)

    def _move(self, uids: list[int], folder: str) -> None:
        if b"MOVE" in self.capabilities:
            self.client.move(uids, folder)
            return
        self.client.copy(uids, folder)
        self.client.add_flags(uids, [b"\\Deleted"], silent=True)
        if b"UIDPLUS" in self.capabilities:
            self.client.uid_expunge(uids)
        else:
            self.client.expunge()

    # waiting ------------------------------------------------------------------------------
    def wait_for_mail(self) -> None:
        """IDLE until the server reports new mail (or IMAP_IDLE_SECONDS pass); else poll."""
        config = self.app.config
        if b"IDLE" not in self.capabilities:
            self.stop.wait(config["IMAP_POLL_SECONDS"])
            if not self.stop.is_set():
                self.client.noop()
            return
        self.client.idle()
        # Mail that arrived after our last SEARCH is announced (EXISTS) before the server's
        # "+ idling"; imapclient files such responses in imaplib's untagged_responses, where
        # idle_check() never looks. Without this check that mail waits a whole IDLE period.
        early = self.client._imap.untagged_responses
        arrived = bool(early.pop("EXISTS", None)) | bool(early.pop("RECENT", None))
        deadline = time.monotonic() + config["IMAP_IDLE_SECONDS"]
        try:
            while not arrived and not self.stop.is_set() and time.monotonic() < deadline:
                if self._buffered():
                    break  # the server spoke; idle_check() would not see it (see _buffered)
                responses = self.client.idle_check(timeout=1)
                if any(r[1] in (b"EXISTS", b"RECENT") for r in responses if len(r) > 1):
                    break
        finally:
            self.client.idle_done()

    def _buffered(self) -> bool:
        """True when the server's words already sit in imaplib's read buffer.

        idle_check() waits on the raw socket; a "* 15 EXISTS" that arrived in the same packet
        as "+ idling" was read into the buffer with it and never wakes the socket. Peeking
        at the buffer (socket non-blocking, so an empty buffer never waits) finds it."""
        sock = self.client.socket()
        sock.setblocking(False)
        try:
            return bool(self.client._imap.file.peek(1))
        except OSError:
            return False
        finally:
            sock.setblocking(True)
            self.client._set_read_timeout()

    # the loop -----------------------------------------------------------------------------
    def run(self) -> None:
        """Until stopped: connect, drain, wait; on trouble record why and back off."""
        failures = 0
        while not self.stop.is_set():
            try:
                self.open()
                self._set_state("ok")
                failures = 0
                while not self.stop.is_set():
                    self.drain()
                    self.wait_for_mail()
            except (LoginError, SignInRefused) as error:
                failures += 1
                delay = self._backoff(failures, auth=True)
                self._set_state("auth_failed", self.sign_in_message(error), retry_in=delay)
                self.stop.wait(delay)
            except CONNECTION_ERRORS + (SQLAlchemyError,) as error:
                failures += 1
                delay = self._backoff(failures)
                what = "database" if isinstance(error, SQLAlchemyError) else "mail server"
                message = f"Cannot reach the {what} ({type(error).__name__}); retrying."
                if isinstance(error, ssl.SSLCertVerificationError):
                    message = (
                        "The mail server's TLS certificate could not be verified "
                        f"({error.verify_message}). Check the server name; we never "
                        "send a password over an unverified connection."
                    )
                self._set_state("error", message, retry_in=delay)
                log.warning(
                    "mailbox %s: %s; retry in %.0f s", self.config.name, type(error).__name__, delay
                )
                self.stop.wait(delay)
            finally:
                self.close()

    def _backoff(self, failures: int, *, auth: bool = False) -> float:
        ceiling = self.app.config.get("IMAP_BACKOFF_MAX_SECONDS", 300) * (3 if auth else 1)
        return min(ceiling, 2 ** min(failures, 12)) * random.uniform(0.75, 1.0)

    def sign_in_message(self, error: Exception) -> str:
        if isinstance(error, SignInRefused):
            return str(error)
        if self.config.auth == "password":
            return (
                f"The mail server refused the password for {self.config.username}. "
                "Check the password (or app password) on the mailbox settings."
            )
        return (
            f"The mail server refused the OAuth2 token for {self.config.username}. "
            "Check that the app still has mailbox access (consent, permissions, expiry)."
        )

    def _set_state(
        self, state: str, message: str = "", retry_in: float | None = None, imported: int = 0
    ) -> None:
        for _attempt in range(2):  # a second fetcher may insert the row first: then update it
            with self.app.app_context():
                try:
                    mailboxes.record_state(
                        self.config.name,
                        state,
                        message,
                        retry_in=retry_in,
                        uidvalidity=self.uidvalidity if state == "ok" else None,
                        imported=imported,
                    )
                    db.session.commit()
                    return
                except IntegrityError:
                    db.session.rollback()
                except SQLAlchemyError:
                    db.session.rollback()
                    return
                finally:
                    db.session.remove()


class MailboxSupervisor:
    """One thread per mailbox; picks up mailboxes added or removed on the admin page."""

    def __init__(self, app: Flask, rescan_seconds: float = 30) -> None:
        self.app = app
        self.rescan_seconds = rescan_seconds
        self.stop = threading.Event()
        self.threads: dict[str, tuple[MailboxFetcher, threading.Thread, threading.Event]] = {}

    def configs(self) -> dict[str, MailboxConfig]:
        with self.app.app_context():
            try:
                return {m.name: m for m in mailboxes.all_mailboxes()}
            finally:
                db.session.remove()

    def sync(self) -> None:
        wanted = self.configs()
        for name, (fetcher, thread, stop) in list(self.threads.items()):
            if name not in wanted or wanted[name] != fetcher.config or not thread.is_alive():
                stop.set()
                thread.join(15)
                del self.threads[name]
        for name, config in wanted.items():
            if name not in self.threads:
                stop = threading.Event()
                fetcher = MailboxFetcher(self.app, config, stop)
                thread = threading.Thread(target=fetcher.run, name=f"imap-{name}", daemon=True)
                thread.start()
                self.threads[name] = (fetcher, thread, stop)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.sync()
            except (SQLAlchemyError, mailboxes.MailboxConfigError) as error:
                log.warning("mailbox list unavailable: %s", error)
            self.stop.wait(self.rescan_seconds)
        self.shutdown()

    def shutdown(self) -> None:
        for _fetcher, _thread, stop in self.threads.values():
            stop.set()
        for _fetcher, thread, _stop in self.threads.values():
            thread.join(15)
        self.threads.clear()
