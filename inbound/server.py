"""Our SMTP (and LMTP) server on aiosmtpd.

The contract with senders: 250 means the mail is committed to the database; 451 means
"we could not store it, try again" (the sending MTA retries); 5xx means "never".
Database work runs in a small thread pool so the event loop keeps talking to other clients.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from app.adapters.files import store_attachments
from app.domain import settings
from app.domain.email_intake import receive_email
from app.extensions import db
from app.ops.metrics import smtp_result
from inbound import authentication
from inbound.parse import UnparseableEmail, parse_email

log = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary problem storing your message; please try again"


class HelpdeskHandler:
    """aiosmtpd handler: accept only our addresses; store, commit, then say 250."""

    def __init__(self, app: Flask, *, lmtp: bool = False, txt_lookup=None, workers: int = 0):
        self.app = app
        # SQLite has one writer: several writer threads only queue on its lock (and its
        # busy handler sleeps), so one thread is fastest there. PostgreSQL takes several.
        sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
        workers = workers or (1 if sqlite else 4)
        self.lmtp = lmtp
        self.txt_lookup = txt_lookup  # tests inject DNS; None means real DNS
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smtp-db")
        local, domain = app.config["SUPPORT_ADDRESS"].split("@", 1)
        self.support_local = local
        self.domains = {d.lower() for d in app.config["INBOUND_DOMAINS"]} | {domain}

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
            reply = await loop.run_in_executor(
                self.executor,
                self.store,
                envelope.original_content or envelope.content,
                "" if envelope.mail_from in (None, "<>") else envelope.mail_from,
                list(envelope.rcpt_tos),
                session.peer[0] if isinstance(session.peer, tuple) else None,
                session.host_name or "",
            )
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
                values = (
                    message_from_bytes(raw, policy=policy.compat32).get_all(
                        "Authentication-Results"
                    )
                    or []
                )
                return authentication.from_trusted_header(
                    [str(v) for v in values], self.app.config["INBOUND_AUTHSERV_ID"]
                )
            return authentication.Verdicts()
        if mode == "verify":
            return authentication.verify(
                raw, ip=ip, mail_from=mail_from, helo=helo, txt=self.txt_lookup
            )
        return authentication.Verdicts()

    def store(self, raw: bytes, mail_from: str, rcpt_tos: list[str], ip, helo) -> str:
        """Runs in a worker thread. Returns the SMTP reply line."""

        try:
            parsed = parse_email(raw)
        except UnparseableEmail:
            return "554 5.6.0 Message could not be read (no sender and no content)"
        except Exception:  # noqa: BLE001 - the parser promises not to, but never crash
            log.exception("parser failed")
            return "554 5.6.0 Message could not be read"
        verdicts = self.verdicts(raw, ip, mail_from, helo, parsed.headers)
        with self.app.app_context():
            try:
                outcome = receive_email(
                    parsed, verdicts, envelope_from=mail_from, recipients=rcpt_tos
                )
                store_attachments(outcome.files)
                db.session.commit()
            except SQLAlchemyError as error:
                db.session.rollback()
                log.warning("could not store mail (%s); answered 451", type(error).__name__)
                return TEMPORARY_FAILURE
            except OSError as error:  # the attachment store: disk full, quota, I/O error
                db.session.rollback()
                log.warning("could not store attachments (%s); answered 452", error.strerror)
                return "452 4.3.1 Insufficient storage for your message; please try again later"
            finally:
                db.session.remove()
        if outcome.reference:
            return f"250 2.0.0 OK: {outcome.kind} {outcome.reference}"
        return "250 2.0.0 OK"


class _LimitedSMTP(SMTP):
    """Refuse connections beyond a cap: aiosmtpd holds each message in memory."""

    active = 0
    limit = 100

    def connection_made(self, transport):
        type(self).active += 1
        self._counted = True
        super().connection_made(transport)
        if type(self).active > self.limit:
            transport.write(b"421 4.3.2 Too busy, try again later\r\n")
            transport.close()

    def connection_lost(self, exc):
        if getattr(self, "_counted", False):
            type(self).active -= 1
            self._counted = False
        super().connection_lost(exc)


class _LimitedLMTP(_LimitedSMTP, LMTP):
    pass


class HelpdeskController(Controller):
    def __init__(self, app: Flask, *, host: str, port: int, lmtp: bool = False, **kwargs):
        self.lmtp = lmtp
        handler = HelpdeskHandler(app, lmtp=lmtp, txt_lookup=kwargs.pop("txt_lookup", None))
        self.max_connections = app.config["INBOUND_MAX_CONNECTIONS"]
        super().__init__(
            handler,
            hostname=host,
            port=port,
            data_size_limit=app.config["INBOUND_MAX_BYTES"],
            enable_SMTPUTF8=True,
            ready_timeout=10,
            **kwargs,
        )

    def factory(self):
        protocol = _LimitedLMTP if self.lmtp else _LimitedSMTP
        protocol.limit = self.max_connections
        return protocol(self.handler, **self.SMTP_kwargs)
