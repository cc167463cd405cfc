"""The one door to Twilio's REST API, used only from RQ jobs (never inside a request).

`TWILIO_API_BASE_URL` points every Twilio domain at another host: tests use a local
stand-in server (tests/twilio_stub.py); production leaves it empty.
"""

from __future__ import annotations

import functools

import requests
from flask import current_app
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"


def client() -> Client:
    """The process's Twilio client for the current settings (reused: its HTTP session keeps
    connections open, and building a client costs more than an SMS job's own work)."""
    config = current_app.config
    return _client(
        config["TWILIO_ACCOUNT_SID"],
        config["TWILIO_AUTH_TOKEN"],
        config.get("TWILIO_API_BASE_URL") or "",
    )


@functools.lru_cache(maxsize=8)
def _client(account_sid: str, auth_token: str, base_url: str) -> Client:
    api = Client(account_sid, auth_token)
    if base_url:
        api.api.base_url = base_url.rstrip("/")
    return api


def public_url(path: str) -> str:
    """The absolute URL Twilio calls back on (and signs): PUBLIC_BASE_URL + path."""
    return current_app.config["PUBLIC_BASE_URL"] + path


def send_sms(to: str, body: str, status_callback: str | None = None) -> str:
    """Send one SMS from our number; returns Twilio's MessageSid."""
    kwargs = {"to": to, "from_": current_app.config["TWILIO_NUMBER"], "body": body}
    if status_callback:
        kwargs["status_callback"] = status_callback
    return client().messages.create(**kwargs).sid


def start_call(
    to: str,
    url: str | None = None,
    status_callback: str | None = None,
    machine_detection: str | None = None,
    async_amd_callback: str | None = None,
    twiml: str | None = None,
) -> str:
    """Place an outbound call whose TwiML Twilio fetches from `url` (or is given inline as
    `twiml`, for content we must not store, such as a spoken one-time code)."""
    kwargs: dict = {"to": to, "from_": current_app.config["TWILIO_NUMBER"]}
    if twiml is not None:
        kwargs["twiml"] = twiml
    else:
        kwargs["url"] = url
    if status_callback:
        kwargs["status_callback"] = status_callback
        kwargs["status_callback_event"] = ["initiated", "ringing", "answered", "completed"]
    if machine_detection:
        kwargs["machine_detection"] = machine_detection
        if async_amd_callback:
            kwargs["async_amd"] = "true"
            kwargs["async_amd_status_callback"] = async_amd_callback
    return client().calls.create(**kwargs).sid


def recording_media_url(sid: str) -> str:
    config = current_app.config
    base = (config.get("TWILIO_API_BASE_URL") or TWILIO_API).rstrip("/")
    return f"{base}/2010-04-01/Accounts/{config['TWILIO_ACCOUNT_SID']}/Recordings/{sid}.mp3"


def fetch_recording(sid: str) -> bytes:
    """The audio of one recording (MP3). Raises on any HTTP error (the job retries)."""
    config = current_app.config
    response = requests.get(
        recording_media_url(sid),
        auth=(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]),
        timeout=30,
    )
    response.raise_for_status()
    return response.content


def delete_recording(sid: str) -> None:
    """Delete a recording (and its transcriptions) at Twilio; already gone counts as done."""
    try:
        client().recordings(sid).delete()
    except TwilioRestException as error:
        if error.status != 404:
            raise
