"""The development "phone": every SMS and call we sent (from the local Twilio stand-in), and
a way to text us or press keys as a customer would, through the same signed webhooks.

Only registered when HELPDESK_ENV=development (see `app.features`), and only for agents."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from twilio.request_validator import RequestValidator

from app.devtools import bp
from app.devtools.twilio_standin import read_log
from app.domain.contacts import InvalidContact, normalize_phone


def standin_log() -> Path:
    configured = current_app.config.get("TWILIO_STANDIN_LOG")
    return Path(configured or Path(current_app.config["DATA_DIR"]) / "phone-standin.jsonl")


def post_webhook(path: str, params: dict) -> str:
    """POST to our own webhook exactly as Twilio would: signed over PUBLIC_BASE_URL + path.
    Dispatched inside this process, so the page works behind any host name."""
    url = current_app.config["PUBLIC_BASE_URL"] + path
    signature = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        url, params
    )
    with current_app.app_context():  # its own context and database session, as in production
        response = current_app.test_client().post(
            path, data=params, headers={"X-Twilio-Signature": signature}
        )
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    return response.get_data(as_text=True)


def read_twiml(twiml: str) -> dict:
    """What a caller hears and where a key press goes, from a TwiML answer."""
    try:
        root = ET.fromstring(twiml)  # noqa: S314 - our own webhook's TwiML, not untrusted input
    except ET.ParseError:
        return {"say": [twiml], "action": None, "message": None}
    say = [" ".join("".join(node.itertext()).split()) for node in root.iter("Say")]
    gather = next(root.iter("Gather"), None)
    action = gather.get("action") if gather is not None else None
    if action:  # keep the query (it is part of what Twilio signs), drop any host
        parts = urlsplit(action)
        action = parts.path + (f"?{parts.query}" if parts.query else "")
    message = next(("".join(node.itertext()) for node in root.iter("Message")), None)
    return {"say": say, "action": action, "message": message}


def answer_path(item: dict) -> str | None:
    """Where Twilio would fetch a call's words when it is answered: one of our webhooks."""
    if item.get("kind") != "call" or not item.get("url"):
        return None
    parts = urlsplit(item["url"])
    if not parts.path.startswith("/twilio/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.route("/agent/dev/phone", methods=["GET", "POST"])
@login_required
def phone():
    form = FlaskForm()
    result: dict | None = None
    caller = request.form.get("from") or "+46701234567"
    call_sid = request.form.get("call_sid") or ""
    if request.method == "POST" and form.validate_on_submit():
        try:
            caller = normalize_phone(caller, current_app.config["PHONE_DEFAULT_REGION"])
        except InvalidContact:
            result = {"error": _("That is not a phone number.")}
        else:
            ours = current_app.config["TWILIO_NUMBER"]
            action = request.form.get("action")
            if action == "sms":
                params = {
                    "From": caller,
                    "To": ours,
                    "Body": request.form.get("body", ""),
                    "MessageSid": "SM" + uuid.uuid4().hex,
                }
                result = {"kind": "sms", **read_twiml(post_webhook("/twilio/sms", params))}
            elif action == "call":
                call_sid = "CA" + uuid.uuid4().hex
                params = {"From": caller, "To": ours, "CallSid": call_sid}
                result = {"kind": "call", **read_twiml(post_webhook("/twilio/voice", params))}
            elif action == "answer" and request.form.get("target", "").startswith("/twilio/"):
                # A call we placed (a reply read aloud, a resolution call): pick it up as
                # the customer would, or let their answering machine take it.
                call_sid = request.form.get("call_sid") or "CA" + uuid.uuid4().hex
                machine = request.form.get("machine") == "1"
                params = {
                    "From": ours,
                    "To": caller,
                    "CallSid": call_sid,
                    "CallStatus": "in-progress",
                    "AnsweredBy": "machine_end_beep" if machine else "human",
                }
                target = request.form["target"]
                result = {"kind": "call", **read_twiml(post_webhook(target, params))}
            elif action == "keys" and request.form.get("target", "").startswith("/twilio/"):
                params = {
                    "From": caller,
                    "To": ours,
                    "CallSid": call_sid,
                    "Digits": request.form.get("digits", ""),
                }
                target = request.form["target"]
                result = {"kind": "call", **read_twiml(post_webhook(target, params))}
    return render_template(
        "devtools/phone.html",
        form=form,
        sent=[{**item, "answer_path": answer_path(item)} for item in read_log(standin_log())],
        result=result,
        caller=caller,
        call_sid=call_sid,
    )
