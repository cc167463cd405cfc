"""Helpers for the email tests: a real SMTP server in the test process, stub DNS, mail builders."""

from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

from tests import support


class StubDns:
    """TXT records by name; anything else does not exist. No network, ever."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}

    def __call__(self, name: str) -> list[str]:
        return self.records.get(name.rstrip(".").lower(), [])


def build_mail(
    sender: str = "Anna Berg <anna@example.test>",
    to: str = "support@helpdesk.test",
    subject: str = "My TV box does not start",
    body: str = "Hello, the box shows a red light.",
    **headers: str,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="example.test")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def send(port: int, mail, *, mail_from: str | None = None, to: list[str] | None = None) -> str:
    """Send over real SMTP; returns the server's final reply text (raises on refusal)."""

    raw = mail.as_bytes(policy=policy.SMTP) if hasattr(mail, "as_bytes") else mail
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        sender = mail_from if mail_from is not None else "anna@example.test"
        recipients = to or ["support@helpdesk.test"]
        smtp.ehlo("client.example.test")
        smtp.mail(sender)
        for rcpt in recipients:
            code, reply = smtp.rcpt(rcpt)
            if code >= 400:
                raise smtplib.SMTPRecipientsRefused({rcpt: (code, reply)})
        code, reply = smtp.data(raw)
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        return reply.decode()


__all__ = ["StubDns", "build_mail", "send", "support"]
