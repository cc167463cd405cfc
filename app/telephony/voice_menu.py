"""The phone menu: everything a landline caller can do, by keypad, in Swedish or English.

1 call me back (then pick one of the next real windows), 2 leave a message, 3 hear our
latest answer (after we have called the number on file to check it is them), 4 tell us how we
did (while the question of a resolution call is open), 0 talk to a person while we are open,
9 the other language. Pressing nothing twice still leaves a
usable record: a callback to the caller's number, or a plain goodbye when it is withheld.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from twilio.twiml.voice_response import VoiceResponse

from app.domain import callbacks, calls, hours, identity, voice_menu, voice_replies
from app.domain.callbacks import CallbackError
from app.extensions import db
from app.telephony import bp, survey_call
from app.telephony.routes import _caller, first_time
from app.telephony.signature import twilio_signed
from app.telephony.voice_common import say, twiml


def _language(status: voice_menu.CallerStatus, phone: str | None) -> str:
    chosen = request.args.get("lang")
    if chosen in voice_menu.LANGUAGES:
        return chosen
    return voice_menu.language_for(phone, status.customer)


def _menu_gather(response: VoiceResponse, language: str):
    return response.gather(
        num_digits=1,
        timeout=7,
        action=url_for("telephony.voice_menu_choice", lang=language),
        method="POST",
    )


@bp.post("/twilio/voice")
@twilio_signed
def voice():
    phone = _caller()
    call_sid = request.form.get("CallSid", "")
    if call_sid and first_time("call", call_sid, "inbound"):
        calls.record_inbound_call(call_sid, phone, request.form.get("To"))
        db.session.commit()
    status = voice_menu.caller_status(phone)
    language = _language(status, phone)
    attempt = request.args.get("attempt", "1")
    response = VoiceResponse()
    gather = _menu_gather(response, language)
    with force_locale(language):
        if attempt == "1":
            say(
                gather,
                language,
                _("Hello, this is %(name)s.", name=current_app.config["SUPPORT_NAME"]),
            )
            if status.ticket is not None:
                say(gather, language, voice_menu.status_sentence(status, language))
        else:
            say(gather, language, _("Sorry, I did not hear a choice."))
        options = []
        if phone:
            options.append(_("To be called back, press 1."))
        options.append(_("To leave a message, press 2."))
        if status.has_answer:
            options.append(_("To hear our latest answer, press 3."))
        if status.survey is not None:
            options.append(_("To tell us how we did with the case we resolved, press 4."))
        if voice_menu.agents_to_ring():
            options.append(_("To talk to a person now, press 0."))
        say(gather, language, " ".join(options))
    other = voice_menu.other_language(language)
    with force_locale(other):
        # msgid names the language of the locale it is said in: "...in English" / "...på svenska"
        say(gather, other, _("To hear this in English, press 9."))
    if attempt == "1":
        response.redirect(url_for("telephony.voice", attempt=2, lang=language), method="POST")
    elif phone:  # no choice twice: a person will call back anyway
        response.redirect(
            url_for("telephony.voice_window", lang=language, window="asap"), method="POST"
        )
    else:
        with force_locale(language):
            say(response, language, _("We cannot see your number. Please call again. Goodbye."))
        response.hangup()
    return twiml(response)


@bp.post("/twilio/voice/menu")
@twilio_signed
def voice_menu_choice():
    phone = _caller()
    status = voice_menu.caller_status(phone)
    language = _language(status, phone)
    digit = request.form.get("Digits") or request.args.get("default", "")
    response = VoiceResponse()
    if digit == "9":
        chosen = voice_menu.other_language(language)
        voice_menu.remember_language(status.customer, chosen)
        db.session.commit()
        response.redirect(url_for("telephony.voice", lang=chosen), method="POST")
        return twiml(response)
    with force_locale(language):
        if digit == "1" and phone:
            _offer_windows(response, language)
        elif digit == "2":
            _record(response, language)
        elif digit == "3" and status.has_answer:
            _latest_answer(response, status, language)
        elif digit == "4" and status.survey is not None:
            action = url_for("telephony.voice_survey", survey_id=status.survey.id, lang=language)
            survey_call.ask(response, language, action)
        elif digit == "0" and voice_menu.agents_to_ring():
            _ring_agents(response, language)
        else:
            response.redirect(url_for("telephony.voice", attempt=2, lang=language), method="POST")
    return twiml(response)


def _offer_windows(response: VoiceResponse, language: str) -> None:
    gather = response.gather(
        num_digits=1,
        timeout=7,
        action=url_for("telephony.voice_window", lang=language),
        method="POST",
    )
    choices = []
    if hours.is_open():
        choices.append(_("As soon as we can, press 0."))
    for number, window in enumerate(voice_menu.offered_windows(), start=1):
        when = hours.describe_window(window, locale=language)
        choices.append(_("%(when)s, press %(key)d.", when=when, key=number))
    say(gather, language, _("When shall we call you?") + " " + " ".join(choices))
    response.redirect(
        url_for("telephony.voice_window", lang=language, window="asap"), method="POST"
    )


@bp.post("/twilio/voice/window")
@twilio_signed
def voice_window():
    """The caller picked a window (or none: as soon as we can). One callback per call."""
    phone = _caller()
    language = request.args.get("lang") or voice_menu.language_for(phone)
    digit = request.form.get("Digits", "")
    windows = voice_menu.offered_windows()
    window_key = request.args.get("window") or "asap"
    if digit.isdigit() and 1 <= int(digit) <= len(windows):
        window_key = windows[int(digit) - 1].key
    response = VoiceResponse()
    with force_locale(language):
        if not phone:
            say(response, language, _("We cannot see your number. Please call again. Goodbye."))
            response.hangup()
            return twiml(response)
        call_sid = request.form.get("CallSid", "")
        if call_sid and not first_time("voice-window", call_sid, "callback"):
            # A replayed (or retried) choice on the same call queues nothing new.
            db.session.commit()
            say(response, language, _("Thank you. We have your request. Goodbye."))
            response.hangup()
            return twiml(response)
        try:
            callback = callbacks.request_callback(
                phone=phone,
                source="voice",
                language=language,
                window=window_key,
                external_sid=f"{call_sid}:callback" if call_sid else None,
            )
        except CallbackError:
            callback = callbacks.request_callback(
                phone=phone,
                source="voice",
                language=language,
                external_sid=f"{call_sid}:callback" if call_sid else None,
            )
        db.session.commit()
        when = voice_menu.describe_due(callback, callback.created_at, language)
        say(response, language, _("Thank you. We will call you %(when)s. Goodbye.", when=when))
    response.hangup()
    return twiml(response)


def _record(response: VoiceResponse, language: str) -> None:
    say(
        response,
        language,
        _(
            "Your message will be recorded and kept with your case. "
            "Please speak after the tone. Press the hash key when you are done."
        ),
    )
    response.record(
        max_length=180,
        play_beep=True,
        finish_on_key="#",
        action=url_for("telephony.voice_recorded"),
        recording_status_callback=url_for("telephony.recording_status"),
        transcribe=True,
        transcribe_callback=url_for("telephony.transcription"),
    )


def _latest_answer(response: VoiceResponse, status: voice_menu.CallerStatus, language: str):
    ticket = status.ticket
    if identity.current_level(ticket) is not None:
        answer = voice_menu.latest_answer(ticket)
        say(response, language, voice_replies.spoken_text(answer))
        response.redirect(url_for("telephony.voice", attempt=2, lang=language), method="POST")
        return
    challenge = voice_menu.start_callback_check(ticket)
    db.session.commit()
    if challenge is None:
        say(
            response,
            language,
            _("We cannot check who you are by phone right now. We will call you back instead."),
        )
        response.redirect(
            url_for("telephony.voice_window", lang=language, window="asap"), method="POST"
        )
        return
    say(
        response,
        language,
        _(
            "Our answer is private, so first we check that it is you. Please hang up now. "
            "We will call you within a minute on the number we have for you, and read it then."
        ),
    )
    response.hangup()


def _ring_agents(response: VoiceResponse, language: str) -> None:
    say(response, language, _("Please wait, we are connecting you."))
    dial = response.dial(
        timeout=25,
        caller_id=current_app.config["TWILIO_NUMBER"],
        action=url_for("telephony.voice_person_result", lang=language),
    )
    for phone in voice_menu.agents_to_ring():
        dial.number(phone)


@bp.post("/twilio/voice/person-result")
@twilio_signed
def voice_person_result():
    """Nobody took the call: offer the same as pressing nothing, a callback."""
    language = request.args.get("lang") or "sv"
    response = VoiceResponse()
    if request.form.get("DialCallStatus") == "completed":
        response.hangup()
        return twiml(response)
    with force_locale(language):
        say(response, language, _("Nobody could answer just now."))
    response.redirect(
        url_for("telephony.voice_window", lang=language, window="asap"), method="POST"
    )
    return twiml(response)
