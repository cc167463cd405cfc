"""Outbox topic handlers. Each is idempotent: it checks the database before acting."""

from __future__ import annotations

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


@deliverer("email")
def deliver_email(message: Message) -> None:
    send(compose_reply(message))


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
    deliver(message)
    if message.delivery_status == "blocked":
        return  # the deliverer found a reason not to send (e.g. the customer sent STOP)
    message.delivery_status = "sent"
    message.meta = {**(message.meta or {}), "sent_at": utcnow().isoformat()}


@outbox.handler("ticket.acknowledge")
def acknowledge(payload: dict, item: OutboxItem) -> None:
    acknowledgements.send_acknowledgement(payload["ticket_id"], payload["message_id"])


import workers.community  # noqa: E402,F401  (drafts and publishes community articles)
import workers.identity  # noqa: E402,F401  (registers the one-time code sender)
import workers.privacy  # noqa: E402,F401  (erasure and retention)
import workers.recordings  # noqa: E402,F401  (voicemail into our store)
import workers.telephony  # noqa: E402,F401  (registers the SMS deliverer and call handlers)
