"""Sending mail: hand a composed message to the configured SMTP relay."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send(mail: EmailMessage, *, envelope_from: str | None = None) -> None:
    """Hand a message to the configured SMTP relay. Raises on failure so the job retries."""
    config = current_app.config
    sender = config["SUPPORT_ADDRESS"] if envelope_from is None else envelope_from
    with smtplib.SMTP(config["SMTP_RELAY_HOST"], config["SMTP_RELAY_PORT"], timeout=30) as smtp:
        if config["SMTP_RELAY_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_RELAY_USER"]:
            smtp.login(config["SMTP_RELAY_USER"], config["SMTP_RELAY_PASSWORD"])
        smtp.send_message(mail, from_addr=sender)
