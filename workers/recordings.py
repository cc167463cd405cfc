"""Fetch a voicemail recording from Twilio into the file store, then delete it at Twilio.

Each step checks the database first, so the job is safe to run twice: a stored recording
is not fetched again, and deleting one Twilio no longer has (404) counts as done."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.adapters import twilio_rest
from app.adapters.files import store_attachment_file
from app.domain import recordings
from app.extensions import db
from app.models import Attachment, Message, OutboxItem


@dataclass
class _Audio:
    data: bytes
    sha256: str


def fetch(payload: dict, item: OutboxItem) -> None:
    message = db.session.get(Message, payload["message_id"])
    if message is None:
        return  # erased or purged meanwhile
    sid = recordings.recording_sid(message)
    if sid is None:
        return
    have = db.session.scalar(
        select(Attachment.id).where(
            Attachment.message_id == message.id, Attachment.content_type.like("audio/%")
        )
    )
    if not have:
        data = twilio_rest.fetch_recording(sid)
        audio = _Audio(data, hashlib.sha256(data).hexdigest())
        digest = store_attachment_file(audio, Path(current_app.config["ATTACHMENT_DIR"]))
        db.session.add(
            Attachment(
                message_id=message.id,
                filename=f"voicemail-{message.id}.mp3",
                content_type=recordings.AUDIO_TYPE,
                size=len(data),
                sha256=digest,
            )
        )
        recordings.stored(message)
        db.session.commit()  # ours first; only then delete Twilio's copy
    twilio_rest.delete_recording(sid)
    recordings.deleted_at_twilio(message)
