"""Twilio webhooks for the resolution call of a voice-only customer (app.domain.survey_calls):
the short notice, then "how did we do? press 1, 2 or 3". The same question is offered in the
phone menu while it is still open (app.telephony.voice_menu, key 4).

A wrong key (or none) is asked about once more, then we say goodbye. The answer is taken
once per call (a retried webhook changes nothing).
"""

from __future__ import annotations

from flask import abort, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from app.domain import survey_calls, surveys, voice_menu, voice_replies
from app.extensions import db
from app.models import Message, SatisfactionSurvey
from app.telephony import bp
from app.telephony.routes import _caller, first_time
from app.telephony.signature import twilio_signed
from app.telephony.voice_common import say, twiml
from app.telephony.voice_reply import MACHINE

KEYS = ("1", "2", "3")


def _notice(message_id: int) -> tuple[Message, SatisfactionSurvey]:
    message = db.get_or_404(Message, message_id)
    survey = surveys.survey_of_call(message)
    if survey is None or message.direction != "out":
        abort(404)
    return message, survey


def ask(response: VoiceResponse, language: str, action: str, *, again: bool = False) -> None:
    """ "How did we do?" in a one-key Gather; silence goes to `action` without a key."""
    gather = response.gather(num_digits=1, timeout=7, action=action, method="POST")
    if again:
        say(gather, language, survey_calls.spoken("say_again", language))
    say(gather, language, survey_calls.spoken("question", language))
    response.redirect(action, method="POST")


def take_answer(survey: SatisfactionSurvey | None, language: str, ask_again: str | None):
    """The key pressed (or none): record 1-3 once per call; otherwise ask at `ask_again`,
    or, the second time, say goodbye."""
    digit = request.form.get("Digits", "")
    response = VoiceResponse()
    if survey is None:
        say(response, language, survey_calls.spoken("goodbye", language))
    elif digit in KEYS:
        call_sid = request.form.get("CallSid", "")
        closed = False
        if not call_sid or first_time("survey-call", call_sid, str(survey.id)):
            try:
                surveys.answer(survey, int(digit), "voice")
            except surveys.SurveyError:
                closed = True
        db.session.commit()
        say(response, language, survey_calls.spoken("closed" if closed else "thanks", language))
    elif ask_again:
        ask(response, language, ask_again, again=True)
        return twiml(response)
    else:
        say(response, language, survey_calls.spoken("goodbye", language))
    response.hangup()
    return twiml(response)


@bp.post("/twilio/resolved-call/<int:message_id>")
@twilio_signed
def resolved_call(message_id: int):
    """The customer (or their answering machine) picked up the resolution call."""
    message, survey = _notice(message_id)
    language = survey.language
    response = VoiceResponse()
    say(response, language, message.body_text)
    if request.form.get("AnsweredBy", "").startswith(MACHINE):
        response.hangup()  # a machine gets the short notice, not the question
        voice_replies.record_outcome(message, "voicemail")
        db.session.commit()
        return twiml(response)
    voice_replies.record_outcome(message, "answered")
    db.session.commit()
    ask(response, language, url_for("telephony.resolved_call_key", message_id=message.id))
    return twiml(response)


@bp.post("/twilio/resolved-call/<int:message_id>/key")
@twilio_signed
def resolved_call_key(message_id: int):
    _message, survey = _notice(message_id)
    again = None
    if request.args.get("again") is None:
        again = url_for("telephony.resolved_call_key", message_id=message_id, again=1)
    return take_answer(survey, survey.language, again)


@bp.post("/twilio/voice/survey/<int:survey_id>")
@twilio_signed
def voice_survey(survey_id: int):
    """Key 4 in the phone menu: answer the open question of the caller's resolution call."""
    phone = _caller()
    customer = voice_menu.customer_for(phone)
    survey = db.session.get(SatisfactionSurvey, survey_id)
    if survey is None or customer is None or survey.customer_id != customer.id:
        survey = None  # not this caller's question: nothing to record
    language = request.args.get("lang") or voice_menu.language_for(phone, customer)
    again = None
    if request.args.get("again") is None:
        again = url_for("telephony.voice_survey", survey_id=survey_id, lang=language, again=1)
    return take_answer(survey, language, again)
