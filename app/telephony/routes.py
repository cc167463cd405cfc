"""Twilio webhooks. Thin: check the signature, call the domain, commit, answer TwiML."""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from app.domain import callbacks, calls, recordings
from app.domain.contacts import InvalidContact, normalize_phone
from app.domain.intake import InboundMessage, intake
from app.domain.sms import handle_inbound_sms
from app.extensions import csrf, db
from app.models import Call, Customer, WebhookReceipt
from app.telephony import bp
from app.telephony.signature import twilio_signed

csrf.exempt(bp)  # Twilio cannot send CSRF tokens; every route is signature-checked instead

SAY = {
    "en": (
        "en-GB",
        {
            "menu": "Hello, this is the helpdesk. "
            "To be called back at this number, press 1. "
            "To leave a message, press 2. Messages are recorded.",
            "repeat": "Sorry, I did not hear a choice.",
            "callback": "Thank you. We will call you back at this number as soon as we can. "
            "Goodbye.",
            "record": "Your message will be recorded and kept with your case. "
            "Please speak after the tone. Press the hash key when done.",
            "thanks": "Thank you. We have your message. Goodbye.",
            "connecting": "Connecting you to the customer.",
        },
    ),
    "sv": (
        "sv-SE",
        {
            "menu": "Hej, det här är kundtjänst. "
            "Tryck 1 om du vill bli uppringd på det här numret. "
            "Tryck 2 för att lämna ett meddelande. Meddelanden spelas in.",
            "repeat": "Förlåt, jag hörde inget val.",
            "callback": "Tack. Vi ringer upp dig på det här numret så snart vi kan. Hej då.",
            "record": "Ditt meddelande spelas in och sparas med ditt ärende. "
            "Tala efter tonen. Tryck fyrkant när du är klar.",
            "thanks": "Tack. Vi har fått ditt meddelande. Hej då.",
            "connecting": "Kopplar dig till kunden.",
        },
    ),
}


def twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")


def _caller() -> str | None:
    try:
        return normalize_phone(
            request.form.get("From", ""), current_app.config["PHONE_DEFAULT_REGION"]
        )
    except InvalidContact:
        return None  # withheld or unknown caller ID


def _language(phone: str | None) -> str:
    if phone:
        customer = db.session.scalar(select(Customer).where(Customer.phone == phone))
        if customer is not None and customer.language in SAY:
            return customer.language
    return "sv" if current_app.config["PHONE_DEFAULT_REGION"] == "SE" else "en"


def _say(response: VoiceResponse, language: str, key: str) -> None:
    voice_language, texts = SAY[language]
    response.say(texts[key], language=voice_language)


def first_time(kind: str, sid: str, status: str = "") -> bool:
    """Twilio retries webhooks: True only the first time this (kind, sid, status) arrives."""
    try:
        with db.session.begin_nested():
            db.session.add(WebhookReceipt(kind=kind, sid=sid, status=status))
        return True
    except IntegrityError:
        return False


@bp.post("/twilio/sms")
@twilio_signed
def sms():
    phone = _caller()
    response = MessagingResponse()
    sid = request.form.get("MessageSid", "")
    if phone is None or not sid:
        return twiml(response)
    answer = handle_inbound_sms(phone, request.form.get("Body", ""), sid)
    db.session.commit()
    if answer:
        response.message(answer)
    return twiml(response)


@bp.post("/twilio/voice/recorded")
@twilio_signed
def voice_recorded():
    response = VoiceResponse()
    _say(response, _language(_caller()), "thanks")
    response.hangup()
    return twiml(response)


@bp.post("/twilio/recording")
@twilio_signed
def recording_status():
    """The voicemail is ready: it becomes a message on the caller's ticket (once)."""
    sid = request.form.get("RecordingSid", "")
    if request.form.get("RecordingStatus", "completed") != "completed" or not sid:
        return ("", 204)
    phone = _caller() or _phone_of_call(request.form.get("CallSid"))
    if phone is None:
        return ("", 204)
    duration = request.form.get("RecordingDuration", "?")
    result = intake(
        InboundMessage(
            channel="voice",
            body_text=f"Voicemail ({duration} s). Transcription pending.",
            sender_phone=phone,
            external_sid=sid,
            continue_open_ticket=True,
            subject="Voicemail",
            meta={
                "kind": "voicemail",
                "recording_url": request.form.get("RecordingUrl"),
                "duration": duration,
            },
        )
    )
    if not result.duplicate:
        recordings.schedule_fetch(result.message)  # into our store, then deleted at Twilio
    db.session.commit()
    return ("", 204)


def _phone_of_call(call_sid: str | None) -> str | None:
    if not call_sid:
        return None
    return db.session.scalar(select(Call.from_number).where(Call.call_sid == call_sid))


@bp.post("/twilio/transcription")
@twilio_signed
def transcription():
    if request.form.get("TranscriptionStatus") == "completed":
        calls.add_transcription(
            request.form.get("RecordingSid", "-"), request.form.get("TranscriptionText", "")
        )
        db.session.commit()
    return ("", 204)


@bp.post("/twilio/status")
@twilio_signed
def status():
    """Status callbacks for calls we placed and SMS we sent; idempotent on (sid, status)."""
    form = request.form
    if form.get("MessageSid") and form.get("MessageStatus"):
        sid, state = form["MessageSid"], form["MessageStatus"]
        if first_time("sms-status", sid, state):
            calls.record_sms_status(sid, state, form.get("ErrorCode"))
        db.session.commit()
        return ("", 204)
    sid, state = form.get("CallSid", ""), form.get("CallStatus", "")
    if sid and state and first_time("call-status", sid, state):
        calls.record_call_status(
            sid,
            state,
            duration_seconds=int(form["CallDuration"]) if form.get("CallDuration") else None,
            answered_by=form.get("AnsweredBy"),
        )
    db.session.commit()
    return ("", 204)


@bp.post("/twilio/connect/<int:call_id>")
@twilio_signed
def connect(call_id: int):
    """The agent answered our call: now dial the customer, showing our number."""
    call = db.get_or_404(Call, call_id)
    response = VoiceResponse()
    _say(response, "en", "connecting")
    dial = response.dial(
        caller_id=current_app.config["TWILIO_NUMBER"],
        action=url_for("telephony.dial_result", call_id=call.id),
        timeout=25,
    )
    dial.number(
        call.to_number,
        machine_detection="Enable",
        amd_status_callback=url_for("telephony.amd", call_id=call.id),
    )
    return twiml(response)


@bp.post("/twilio/dial-result/<int:call_id>")
@twilio_signed
def dial_result(call_id: int):
    """How the customer's leg ended: answered, busy, no answer — retries are scheduled here."""
    call = db.get_or_404(Call, call_id)
    state = request.form.get("DialCallStatus", "failed")
    if first_time("dial", f"call-{call.id}", state):
        duration = request.form.get("DialCallDuration")
        callbacks.record_dial_result(call, state, int(duration) if duration else None)
        db.session.commit()
    response = VoiceResponse()
    response.hangup()
    return twiml(response)


@bp.post("/twilio/amd/<int:call_id>")
@twilio_signed
def amd(call_id: int):
    """Answering-machine detection: a voicemail pickup is recorded as such, not as a talk."""
    call = db.get_or_404(Call, call_id)
    calls.record_answered_by(call, request.form.get("AnsweredBy", "unknown"))
    db.session.commit()
    return ("", 204)
