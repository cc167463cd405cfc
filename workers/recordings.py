"""Fetch a voicemail recording from Twilio into the file store, then delete it at Twilio.

Each step checks the database first, so the job is safe to run twice: a stored recording
is not fetched again, and deleting one Twilio no longer has (404) counts as done."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import requests
from flask import current_app
from sqlalchemy import select

from app.adapters.files import store_attachment_file
from app.domain import recordings
from app.extensions import db
from app.models import Attachment, Message, OutboxItem
from workers.privacy import delete_recording

TWILIO_API = "https://api.twilio.com"


@dataclass
class _Audio:
    data: bytes
    sha256: str


def media_url(sid: str) -> str:
    config = current_app.config
    base = (config.get("TWILIO_API_BASE_URL") or TWILIO_API).rstrip("/")
    return f"{base}/2010-04-01/Accounts/{config['TWILIO_ACCOUNT_SID']}/Recordings/{sid}.mp3"


def download(sid: str) -> bytes:
    config = current_app.config
    response = requests.get(
        media_url(sid),
        auth=(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]),
        timeout=30,
    )
    response.raise_for_status()
    return response.content


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
        data = download(sid)
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
    delete_recording(sid)
    recordings.deleted_at_twilio(message)
