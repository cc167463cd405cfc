"""Our SMTP (and LMTP) server on aiosmtpd.

The contract with senders: 250 means the mail is committed to the database; 451 means
"we could not store it, try again" (the sending MTA retries); 5xx means "never".
Parsing runs in a small thread pool and storing in the group committer's threads (mails that
arrive together share one commit), so the event loop keeps talking to other clients.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import logging
import queue
import threading
import time
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.adapters.files import store_attachments
from app.domain import settings
from app.domain.email_intake import receive_email
from app.domain.email_types import InboundEmail
from app.extensions import db
from app.ops.metrics import smtp_result
from inbound import authentication
from inbound.parse import UnparseableEmail, parse_email
from inbound.transactions import begin_batch, end_batch

log = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary problem storing your message; please try again"


@dataclass
class _Mail:
    """One parsed mail waiting for the committer; `reply` resolves to its SMTP reply line."""

    parsed: InboundEmail
    verdicts: authentication.Verdicts
    mail_from: str
    rcpt_tos: list[str]
    reply: Future = field(default_factory=Future)


class GroupCommitter:
    """Group commit: mails that arrive while a commit is running (or within a few ms of the
    first) share ONE transaction — each in its own SAVEPOINT, so a mail the database refuses
    gets its own 451 and the others are kept — and every reply is given only after that one
    COMMIT. A failed COMMIT answers 451 to every mail of the batch: nothing of it is stored.

    SQLite has one writer, so one committer thread; PostgreSQL takes several (one connection
    each). A delivery key or customer another committer stored first shows up as an
    IntegrityError in the savepoint: the mail is looked at once more and found stored.
    """

    def __init__(self, app: Flask, threads: int, *, window: float, batch: int) -> None:
        self.app = app
        self.window = window
        self.batch = max(batch, 1)
        self.waiting: queue.SimpleQueue[_Mail | None] = queue.SimpleQueue()
        self.threads = [
            threading.Thread(target=self._run, name=f"smtp-commit-{i}", daemon=True)
            for i in range(threads)
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, mail: _Mail) -> Future:
        self.waiting.put(mail)
        return mail.reply

    def stop(self) -> None:
        for _ in self.threads:
            self.waiting.put(None)
        for thread in self.threads:
            thread.join(timeout=10)

    def _take(self) -> list[_Mail] | None:
        first = self.waiting.get()
        if first is None:
            return None
        batch = [first]
        deadline = time.monotonic() + self.window
        while len(batch) < self.batch:
            try:
                mail = self.waiting.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    mail = self.waiting.get(timeout=remaining)
                except queue.Empty:
                    break
            if mail is None:
                self.waiting.put(None)  # for this thread's next turn: finish the batch first
                break
            batch.append(mail)
        return batch

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            try:
                replies = self.store(batch)
            except Exception:  # noqa: BLE001 - a bug must not leave senders waiting
                log.exception("storing a batch of mail failed unexpectedly; answered 451")
                replies = [TEMPORARY_FAILURE] * len(batch)
            for mail, reply in zip(batch, replies, strict=True):
                # A sender that hung up (or a server stopping) cancels its wait; the mail may
                # be stored all the same (a retry finds it by its delivery key). Setting a
                # cancelled future raises, and must not end this thread: later mails would
                # wait for ever.
                with contextlib.suppress(InvalidStateError):
                    mail.reply.set_result(reply)

    def store(self, batch: list[_Mail]) -> list[str]:
        """Runs in a committer thread: the batch in one transaction. Returns the replies."""
        with self.app.app_context():
            try:
                begin_batch()
                replies = [self._store_one(mail) for mail in batch]
                db.session.commit()
            except SQLAlchemyError as error:
                db.session.rollback()
                log.warning(
                    "could not commit %d mails (%s); answered 451", len(batch), type(error).__name__
                )
                return [TEMPORARY_FAILURE] * len(batch)
            finally:
                end_batch()
                db.session.remove()
        return replies

    def _store_one(self, mail: _Mail) -> str:
        for attempt in (1, 2):
            try:
                with db.session.begin_nested():
                    outcome = receive_email(
                        mail.parsed,
                        mail.verdicts,
                        envelope_from=mail.mail_from,
                        recipients=mail.rcpt_tos,
                    )
                    store_attachments(outcome.files)
            except IntegrityError as error:
                if attempt == 1:
                    continue  # another connection stored it (or its customer) first: look again
                return _refused(error)
            except SQLAlchemyError as error:
                return _refused(error)
            except OSError as error:  # the attachment store: disk full, quota, I/O error
                log.warning("could not store attachments (%s); answered 452", error.strerror)
                return "452 4.3.1 Insufficient storage for your message; please try again later"
            except Exception:  # noqa: BLE001 - a bug on one mail must not spoil the batch
                log.exception("storing mail failed unexpectedly; answered 451")
                return TEMPORARY_FAILURE
            if outcome.reference:
                return f"250 2.0.0 OK: {outcome.kind} {outcome.reference}"
            return "250 2.0.0 OK"
        raise AssertionError("unreachable")


def _refused(error: Exception) -> str:
    log.warning("could not store mail (%s); answered 451", type(error).__name__)
    return TEMPORARY_FAILURE


class HelpdeskHandler:
    """aiosmtpd handler: accept only our addresses; store, commit, then say 250."""

    def __init__(self, app: Flask, *, lmtp: bool = False, txt_lookup=None, workers: int = 0):
        self.app = app
        config = app.config
        # SQLite has one writer: several writer threads only queue on its lock (and its
        # busy handler sleeps), so one committer is fastest there. PostgreSQL takes several.
        sqlite = config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
        committers = workers or config["INBOUND_COMMITTERS"] or (1 if sqlite else 2)
        self.lmtp = lmtp
        self.txt_lookup = txt_lookup  # tests inject DNS; None means real DNS
        self.committers = committers
        self.parsers: ThreadPoolExecutor | None = None
        self.committer: GroupCommitter | None = None
        self.open()
        local, domain = config["SUPPORT_ADDRESS"].split("@", 1)
        self.support_local = local
        self.domains = {d.lower() for d in config["INBOUND_DOMAINS"]} | {domain}

    def open(self) -> None:
        if self.committer is not None:
            return
        # Parsing and SPF/DKIM/DMARC (DNS) run beside the committer, not in its way.
        self.parsers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="smtp-parse")
        self.committer = GroupCommitter(
            self.app,
            self.committers,
            window=self.app.config["INBOUND_COMMIT_WINDOW_MS"] / 1000,
            batch=self.app.config["INBOUND_COMMIT_BATCH"],
        )

    def close(self) -> None:
        """Stop the threads (the controller calls it after the server stopped)."""
        if self.committer is not None:
            self.committer.stop()
            self.parsers.shutdown(wait=True)
            self.committer = self.parsers = None

    def accepts(self, address: str) -> bool:
        local, _, domain = address.lower().rpartition("@")
        if domain in self.domains and local.split("+", 1)[0] == self.support_local:
            return True
        return address.lower() in self.extra_addresses()

    def extra_addresses(self) -> list[str]:
        """Addresses an admin added at runtime (cached for 30 s by the settings service)."""

        with self.app.app_context():
            try:
                return settings.get("recipient_addresses") or []
            except SQLAlchemyError:
                return []
            finally:
                db.session.remove()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        tries = getattr(envelope, "rcpt_tries", 0) + 1
        envelope.rcpt_tries = tries
        if tries > self.app.config["INBOUND_MAX_RECIPIENTS"]:
            return "452 4.5.3 Too many recipients"
        if not self.accepts(address):
            smtp_result("rejected")
            return "550 5.1.1 No such mailbox here"
        if self.lmtp and envelope.rcpt_tos:
            # aiosmtpd's LMTP answers DATA once, not per recipient: one per transaction.
            return "452 4.5.3 One recipient per transaction; send the next one separately"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session: Session, envelope: Envelope):  # noqa: N802
        loop = asyncio.get_running_loop()
        try:
            prepared = await loop.run_in_executor(
                self.parsers,
                self.prepare,
                envelope.original_content or envelope.content,
                "" if envelope.mail_from in (None, "<>") else envelope.mail_from,
                list(envelope.rcpt_tos),
                session.peer[0] if isinstance(session.peer, tuple) else None,
                session.host_name or "",
            )
            if isinstance(prepared, str):
                reply = prepared
            else:
                reply = await asyncio.wrap_future(self.committer.submit(prepared))
        except Exception:  # noqa: BLE001 - an exception here would be aiosmtpd's 500 and
            # would leave the transaction open; a reply of ours always ends it cleanly.
            log.exception("storing mail failed unexpectedly; answered 451")
            reply = TEMPORARY_FAILURE
        smtp_result({"2": "accepted", "4": "tempfail"}.get(reply[0], "rejected"))
        return reply

    def verdicts(self, raw: bytes, ip: str | None, mail_from: str, helo: str, headers: dict):
        mode = self.app.config["INBOUND_AUTH"]
        if mode == "trusted-relay":
            if ip in self.app.config["INBOUND_TRUSTED_RELAYS"]:
                return authentication.from_trusted_header(
                    authentication.trusted_header_values(raw),
                    self.app.config["INBOUND_AUTHSERV_ID"],
                )
            return authentication.Verdicts()
        if mode == "verify":
            return authentication.verify(
                raw, ip=ip, mail_from=mail_from, helo=helo, txt=self.txt_lookup
            )
        return authentication.Verdicts()

    def prepare(self, raw: bytes, mail_from: str, rcpt_tos: list[str], ip, helo) -> _Mail | str:
        """Runs in a parser thread: the mail ready for the committer, or a 5xx reply line."""

        try:
            parsed = parse_email(raw)
        except UnparseableEmail:
            return "554 5.6.0 Message could not be read (no sender and no content)"
        except Exception:  # noqa: BLE001 - the parser promises not to, but never crash
            log.exception("parser failed")
            return "554 5.6.0 Message could not be read"
        verdicts = self.verdicts(raw, ip, mail_from, helo, parsed.headers)
        return _Mail(parsed, verdicts, mail_from, rcpt_tos)


class _LimitedSMTP(SMTP):
    """Connection slots are scarce (aiosmtpd holds each message in memory), so a client may
    not sit on them: a global and a per-address cap, a short idle timeout (also while DATA
    trickles in), a limit on a connection's whole life, and on NOOPs (set by the controller).
    """

    active = 0
    limit = 100
    per_address = 10
    max_life = 600.0
    exempt: frozenset[str] = frozenset()
    by_address: collections.Counter = collections.Counter()

    def connection_made(self, transport):
        if getattr(self, "_counted", False):  # STARTTLS: the same connection, now encrypted
            super().connection_made(transport)
            return
        cls = type(self)
        self._address = _address_key(transport.get_extra_info("peername"))
        cls.active += 1
        cls.by_address[self._address] += 1
        self._counted = True
        self._in_data = False
        super().connection_made(transport)
        self._life = self.loop.call_later(cls.max_life, self._too_long)
        crowded = cls.by_address[self._address] > cls.per_address
        if cls.active > cls.limit or (crowded and self._address not in cls.exempt):
            transport.write(b"421 4.3.2 Too busy, try again later\r\n")
            transport.close()

    def _too_long(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"421 4.4.2 Connection open too long, closing\r\n")
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._in_data:
            self._reset_timeout()  # idle means "no bytes", also while a big message arrives
        super().data_received(data)

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 - aiosmtpd API
        self._in_data = True
        try:
            await super().smtp_DATA(arg)
        finally:
            self._in_data = False

    def connection_lost(self, exc):
        if getattr(self, "_counted", False):
            cls = type(self)
            cls.active -= 1
            cls.by_address[self._address] -= 1
            if cls.by_address[self._address] <= 0:
                del cls.by_address[self._address]
            self._counted = False
            self._life.cancel()
        super().connection_lost(exc)


def _address_key(peer) -> str:
    """The client's address; IPv6 clients by /64 (one host usually holds the whole prefix)."""
    host = peer[0] if isinstance(peer, tuple) and peer else str(peer)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class _LimitedLMTP(_LimitedSMTP, LMTP):
    pass


class HelpdeskController(Controller):
    def __init__(self, app: Flask, *, host: str, port: int, lmtp: bool = False, **kwargs):
        self.lmtp = lmtp
        handler = HelpdeskHandler(app, lmtp=lmtp, txt_lookup=kwargs.pop("txt_lookup", None))
        config = app.config
        self.max_connections = config["INBOUND_MAX_CONNECTIONS"]
        self.per_address = config["INBOUND_MAX_CONNECTIONS_PER_ADDRESS"]
        self.max_life = config["INBOUND_MAX_CONNECTION_SECONDS"]
        # Behind Postfix every connection comes from the relay: it is not capped per address.
        trusted = config["INBOUND_AUTH"] == "trusted-relay"
        self.exempt = frozenset(config["INBOUND_TRUSTED_RELAYS"] if trusted else ())
        kwargs.setdefault("timeout", config["INBOUND_IDLE_TIMEOUT_SECONDS"])
        kwargs.setdefault("command_call_limit", {"NOOP": config["INBOUND_MAX_NOOPS"], "*": 10**6})
        super().__init__(
            handler,
            hostname=host,
            port=port,
            data_size_limit=config["INBOUND_MAX_BYTES"],
            enable_SMTPUTF8=True,
            ready_timeout=10,
            **kwargs,
        )

    def start(self) -> None:
        self.handler.open()
        super().start()

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.close()

    def factory(self):
        protocol = _LimitedLMTP if self.lmtp else _LimitedSMTP
        protocol.limit = self.max_connections
        protocol.per_address = self.per_address
        protocol.max_life = self.max_life
        protocol.exempt = self.exempt
        return protocol(self.handler, **self.SMTP_kwargs)
