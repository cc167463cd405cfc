"""Outbox topic handlers. Each is idempotent: it checks the database before acting."""

from __future__ import annotations

import smtplib
from collections.abc import Callable

from app.domain import outbox
from app.domain.mail import compose_reply, send
from app.extensions import db
from app.models import Message, OutboxItem
from app.models.base import utcnow
from workers import acknowledgements

# channel -> function that delivers one outgoing Message (raises to retry).
DELIVERERS: dict[str, Callable[[Message], None]] = {}


def deliverer(channel: str) -> Callable:
    def register(func: Callable[[Message], None]) -> Callable:
        DELIVERERS[channel] = func
        return func

    return register


class Undeliverable(Exception):
    """Sending can never succeed (a malformed header, a refused recipient): do not retry,
    show the reply as failed on the ticket."""


@deliverer("email")
def deliver_email(message: Message) -> None:
    try:
        mail = compose_reply(message)
    except (ValueError, UnicodeError) as error:
        raise Undeliverable("The email could not be composed.") from error
    try:
        send(mail)
    except smtplib.SMTPRecipientsRefused as error:
        raise Undeliverable("The mail server refused the address.") from error


def mark_failed(message: Message, reason: str) -> None:
    message.delivery_status = "failed"
    message.delivery_error = reason


@outbox.handler("message.deliver")
def deliver_message(payload: dict, item: OutboxItem) -> None:
    message = db.session.get(Message, payload["message_id"])
    if message is None or message.delivery_status in ("sent", "blocked"):
        return  # already delivered (a job may run twice) or deliberately not sent
    deliver = DELIVERERS.get(message.channel)
    if deliver is None:
        raise LookupError(f"no deliverer for channel {message.channel!r}")
    # Mark before commit, after the send: a crash in between re-sends at most once more,
    # which is the at-least-once guarantee mail and SMS can offer.
    try:
        deliver(message)
    except Undeliverable as error:
        mark_failed(message, str(error))
        return
    if message.delivery_status == "blocked":
        return  # the deliverer found a reason not to send (e.g. the customer sent STOP)
    message.delivery_status = "sent"
    message.meta = {**(message.meta or {}), "sent_at": utcnow().isoformat()}


def on_final_failure(item: OutboxItem) -> None:
    """Retries are used up: an agent's reply must not keep saying "queued"."""
    if item.topic == "message.deliver":
        message = db.session.get(Message, (item.payload or {}).get("message_id"))
        if message is not None and message.delivery_status == "queued":
            mark_failed(message, "Sending failed after several tries.")


@outbox.handler("ticket.acknowledge")
def acknowledge(payload: dict, item: OutboxItem) -> None:
    acknowledgements.send_acknowledgement(payload["ticket_id"], payload["message_id"])


import workers.community  # noqa: E402,F401  (drafts and publishes community articles)
import workers.identity  # noqa: E402,F401  (registers the one-time code sender)
import workers.telephony  # noqa: E402,F401  (registers the SMS deliverer and call handlers)
