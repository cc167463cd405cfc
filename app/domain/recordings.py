"""Voicemail recordings: fetched from Twilio into our file store, then deleted at Twilio,
so the only copy is ours (covered by export, erasure and retention) and the ticket plays
it with an HTML audio player instead of linking to Twilio."""

from __future__ import annotations

from app.domain import outbox
from app.models import Message

AUDIO_TYPE = "audio/mpeg"


def schedule_fetch(message: Message) -> None:
    """In the webhook's transaction: fetch the recording later, from a job."""
    outbox.enqueue("recording.fetch", message_id=message.id)


def recording_sid(message: Message) -> str | None:
    sid = message.external_sid or ""
    return sid if sid.startswith("RE") else None


def stored(message: Message) -> None:
    """The recording is in our store: stop pointing at Twilio."""
    meta = dict(message.meta or {})
    meta.pop("recording_url", None)
    meta["recording_stored"] = True
    message.meta = meta


def deleted_at_twilio(message: Message) -> None:
    message.meta = {**(message.meta or {}), "recording_deleted_at_twilio": True}
