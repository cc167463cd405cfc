"""Twilio webhooks for replies read aloud (see app.domain.voice_replies)."""

from __future__ import annotations

from flask import abort, current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from twilio.twiml.voice_response import VoiceResponse

from app.domain import callbacks, voice_replies
from app.extensions import db
from app.models import Message
from app.telephony import bp
from app.telephony.signature import twilio_signed
from app.telephony.voice_common import say, twiml

MACHINE = ("machine", "fax")


def _reply(message_id: int) -> Message:
    message = db.get_or_404(Message, message_id)
    if message.channel != "voice" or message.direction != "out":
        abort(404)
    return message


@bp.post("/twilio/voice-reply/<int:message_id>")
@twilio_signed
def voice_reply(message_id: int):
    message = _reply(message_id)
    language = message.ticket.customer.language or "sv"
    response = VoiceResponse()
    if request.form.get("AnsweredBy", "").startswith(MACHINE):
        say(response, language, voice_replies.spoken_text(message))
        with force_locale(language):
            say(
                response,
                language,
                _(
                    "To talk to us, call %(number)s. Goodbye.",
                    number=" ".join(current_app.config["TWILIO_NUMBER"].lstrip("+")),
                ),
            )
        response.hangup()
        voice_replies.record_outcome(message, "voicemail")
        db.session.commit()
        return twiml(response)
    if request.args.get("again") is None:
        voice_replies.record_outcome(message, "answered")
        db.session.commit()
    gather = response.gather(
        num_digits=1,
        timeout=6,
        action=url_for("telephony.voice_reply_key", message_id=message.id),
        method="POST",
    )
    say(gather, language, voice_replies.spoken_text(message))
    with force_locale(language):
        say(
            gather,
            language,
            _("To hear this again, press 1. To ask us to call you back, press 2."),
        )
        say(response, language, _("Thank you for listening. Goodbye."))
    response.hangup()
    return twiml(response)


@bp.post("/twilio/voice-reply/<int:message_id>/key")
@twilio_signed
def voice_reply_key(message_id: int):
    message = _reply(message_id)
    customer = message.ticket.customer
    language = customer.language or "sv"
    digit = request.form.get("Digits", "")
    response = VoiceResponse()
    if digit == "1":
        response.redirect(
            url_for("telephony.voice_reply", message_id=message.id, again=1), method="POST"
        )
        return twiml(response)
    with force_locale(language):
        if digit == "2" and customer.phone:
            call_sid = request.form.get("CallSid", "")
            callbacks.request_callback(
                phone=customer.phone,
                source="voice",
                language=language,
                topic=message.ticket.subject,
                external_sid=f"{call_sid}:reply-callback" if call_sid else None,
            )
            db.session.commit()
            say(
                response,
                language,
                _("Thank you. We will call you back as soon as we can. Goodbye."),
            )
        else:
            say(response, language, _("Thank you for listening. Goodbye."))
    response.hangup()
    return twiml(response)


@bp.post("/twilio/voice-reply/<int:message_id>/status")
@twilio_signed
def voice_reply_status(message_id: int):
    """Call status for the reply call: no answer / busy / failed are shown on the ticket."""
    message = _reply(message_id)
    state = request.form.get("CallStatus", "")
    if state in ("no-answer", "busy", "failed", "canceled"):
        voice_replies.record_outcome(message, state)
        db.session.commit()
    return ("", 204)
