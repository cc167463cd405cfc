"""Outgoing mail that is sent once, end to end.

Each outgoing message has a stable Message-ID, recorded in the database (state `sending`)
before the relay is contacted. Just before the final "." of DATA - the moment the relay
takes the message - the state becomes `handed-over` and is committed. A job that runs again
after a crash therefore knows what happened:

- `sending`: the relay never got the final dot, so it has nothing; send again, with the same
  Message-ID (a copy that did slip through is recognisable as the same message);
- `handed-over`: the relay has it (the worker died while the relay said 250, or before our
  commit of `sent`); the resend is skipped and the message marked sent.

A failed write of the dot, or an error answer to it, puts the state back to `sending`. The
one window left is the instant between committing `handed-over` and writing the dot: a
process killed exactly there loses that mail instead of duplicating it.
"""

from __future__ import annotations

import hashlib
import hmac
from email.message import EmailMessage

from flask import current_app

from app.adapters.smtp import send
from app.extensions import db
from app.models import Message
from app.models.base import utcnow

SENDING, HANDED_OVER, SENT = "sending", "handed-over", "sent"


def outbox_message_id(item_id: int, kind: str) -> str:
    """The Message-ID of the mail an outbox item sends: the same on every attempt, and
    signed, so nobody can guess it to thread their mail into a stranger's ticket."""
    secret = current_app.config["SECRET_KEY"].encode()
    tag = hmac.new(secret, f"{kind}:{item_id}".encode(), hashlib.sha256).hexdigest()[:24]
    domain = current_app.config["SUPPORT_ADDRESS"].split("@", 1)[1]
    return f"<{kind}.{item_id}.{tag}@{domain}>"


def send_once(message: Message, mail: EmailMessage, *, envelope_from: str | None = None) -> bool:
    """Send `mail` for the stored outgoing `message` unless an earlier attempt handed it over.

    Commits (the job owns its transaction). Returns False when the send was skipped.
    """
    if message.delivery_status == HANDED_OVER:
        message.delivery_status = SENT
        message.meta = {**(message.meta or {}), "resend_skipped": True}
        return False
    message.delivery_status = SENDING
    db.session.commit()  # recorded before sending: a rerun finds this Message-ID and state

    def handed_over() -> None:
        message.delivery_status = HANDED_OVER
        db.session.commit()

    def not_taken() -> None:
        message.delivery_status = SENDING
        db.session.commit()

    send(mail, envelope_from=envelope_from, before_final_dot=handed_over, not_taken=not_taken)
    message.delivery_status = SENT
    message.meta = {**(message.meta or {}), "sent_at": utcnow().isoformat()}
    return True
