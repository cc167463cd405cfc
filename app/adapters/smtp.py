"""Sending mail: hand a composed message to the configured SMTP relay.

One connection per thread is kept open and reused (a worker sends hundreds of mails a
second; a TCP and SMTP greeting per mail was most of a job's time). A connection the relay
closed while idle is noticed at MAIL FROM, before anything was handed over, and replaced
once. After any other failure the connection is dropped, never reused in an unknown state.

`send` can call `before_final_dot` after the whole message went out but before the final
"." that makes the relay take it: a caller records there that the message may now be at
the relay, so a crash afterwards is recognised and the message is not sent a second time.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import threading
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses

from flask import current_app

from app.adapters import mailbox_account
from app.domain.mailboxes import outgoing_mailbox

_local = threading.local()
_LEADING_DOT = re.compile(rb"(?m)^\.")


def _open() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_RELAY_HOST"], config["SMTP_RELAY_PORT"], timeout=30)
    try:
        if config["SMTP_RELAY_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_RELAY_USER"]:
            smtp.login(config["SMTP_RELAY_USER"], config["SMTP_RELAY_PASSWORD"])
        smtp.ehlo_or_helo_if_needed()
    except BaseException:
        smtp.close()
        raise
    return smtp


def close() -> None:
    """Drop this thread's relay connection (after an error, or when shutting down)."""
    smtp = getattr(_local, "smtp", None)
    _local.smtp = None
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()


def _begin(sender: str, options: list[str]) -> smtplib.SMTP:
    """MAIL FROM on the pooled connection; a stale one is replaced once (nothing sent yet)."""
    for attempt in (1, 2):
        smtp = getattr(_local, "smtp", None)
        fresh = smtp is None
        if fresh:
            smtp = _local.smtp = _open()
        try:
            code, reply = smtp.mail(sender, options)
        except (smtplib.SMTPServerDisconnected, OSError):
            close()
            if fresh or attempt == 2:
                raise
            continue
        if code != 250:
            close()
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        return smtp
    raise AssertionError("unreachable")


def _recipients(mail: EmailMessage) -> list[str]:
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in mail.get_all(name, [])]
    return [address for _, address in getaddresses(fields) if address]


def send(
    mail: EmailMessage,
    *,
    envelope_from: str | None = None,
    before_final_dot: Callable[[], None] | None = None,
    not_taken: Callable[[], None] | None = None,
) -> None:
    """Hand a message to the configured SMTP relay. Raises on failure so the job retries.

    `not_taken` is called when `before_final_dot` ran but the relay surely does not have the
    message: writing the dot failed, or the relay answered it with an error.
    """
    mailbox = outgoing_mailbox()
    if mailbox is not None:  # the organisation's own account (issue 16): Sent copy included
        mailbox_account.send(
            mail,
            mailbox,
            envelope_from=envelope_from,
            before_final_dot=before_final_dot,
            not_taken=not_taken,
        )
        return
    config = current_app.config
    sender = config["SUPPORT_ADDRESS"] if envelope_from is None else envelope_from
    recipients = _recipients(mail)
    international = not all(a.isascii() for a in [sender, *recipients])
    del mail["Bcc"]
    body = mail.as_bytes(policy=(policy.SMTPUTF8 if international else policy.SMTP))
    body = _LEADING_DOT.sub(b"..", body)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp = _begin(sender, ["SMTPUTF8", "BODY=8BITMIME"] if international else [])
    marked = dot_written = False
    try:
        refused = {}
        for address in recipients:
            code, reply = smtp.rcpt(address)
            if code not in (250, 251):
                refused[address] = (code, reply)
        if len(refused) == len(recipients):
            raise smtplib.SMTPRecipientsRefused(refused)
        code, reply = smtp.docmd("DATA")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        smtp.send(body)
        if before_final_dot is not None:
            before_final_dot()
            marked = True
        smtp.send(b".\r\n")
        dot_written = True
        code, reply = smtp.getreply()
        if code != 250:
            dot_written = False  # answered: the relay did not take it
            raise smtplib.SMTPDataError(code, reply)
    except BaseException:
        close()
        if marked and not dot_written and not_taken is not None:
            not_taken()
        raise
