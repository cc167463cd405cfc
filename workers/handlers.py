"""Outbox topic handlers for messages. Each is idempotent: it checks the database first.

Which handler serves which topic is written out in `app.wiring.TOPIC_HANDLERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from app.adapters.files import attachment_path
from app.domain.mail import compose_reply
from app.extensions import db
from app.models import Message, OutboxItem
from app.models.base import utcnow
from workers import acknowledgements
from workers.outgoing import send_once
from workers.telephony import deliver_sms, deliver_voice


def deliver_email(message: Message) -> None:
    """Once, end to end: see workers.outgoing (a rerun after a crash does not send twice)."""
    mail = compose_reply(message)
    for item in message.attachments:  # an agent's files, read back from the file store
        maintype, _, subtype = (item.content_type or "").partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        mail.add_attachment(
            attachment_path(item.sha256).read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=item.filename,
        )
    send_once(message, mail)


# channel -> function that delivers one outgoing Message (raises to retry).
DELIVERERS: dict[str, Callable[[Message], None]] = {
    "email": deliver_email,
    "sms": deliver_sms,
    "voice": deliver_voice,
}


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


def acknowledge(payload: dict, item: OutboxItem) -> None:
    acknowledgements.send_acknowledgement(payload["ticket_id"], payload["message_id"], item.id)
