"""The identity check by calling the number on file: we ring, the customer presses 1.

Twilio fetches these (signed) webhooks for the call placed by the `identity.send_code` job.
The caller chose nothing, so a spoofed caller ID cannot pass this check.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from twilio.twiml.voice_response import VoiceResponse

from app.domain import identity, voice_menu, voice_replies
from app.domain.contacts import InvalidContact, normalize_phone
from app.extensions import db
from app.models import Customer, Ticket, VerificationChallenge
from app.telephony import bp
from app.telephony.signature import twilio_signed
from app.telephony.voice_common import say, twiml


def _challenge_and_language(challenge_id: int) -> tuple[VerificationChallenge, str]:
    challenge = db.get_or_404(VerificationChallenge, challenge_id)
    customer = db.session.get(Customer, challenge.customer_id)
    return challenge, customer.language or "sv"


@bp.post("/twilio/verify-call/<int:challenge_id>")
@twilio_signed
def verify_call(challenge_id: int):
    challenge, language = _challenge_and_language(challenge_id)
    response = VoiceResponse()
    with force_locale(language):
        if request.form.get("AnsweredBy", "").startswith(("machine", "fax")):
            response.hangup()  # a voicemail proves nothing; the agent can try again
            return twiml(response)
        gather = response.gather(
            num_digits=1,
            timeout=8,
            action=url_for("telephony.verify_call_key", challenge_id=challenge.id),
            method="POST",
        )
        for _attempt in range(2):
            say(
                gather,
                language,
                _(
                    "Hello, this is %(name)s. You are talking with us about your case, and we "
                    "call the number we have for you to make sure it is really you. "
                    "If that is right, press 1. If you did not expect this call, press 9.",
                    name=current_app.config["SUPPORT_NAME"],
                ),
            )
        say(response, language, _("We did not hear a key. Goodbye."))
    return twiml(response)


@bp.post("/twilio/verify-call/<int:challenge_id>/key")
@twilio_signed
def verify_call_key(challenge_id: int):
    challenge, language = _challenge_and_language(challenge_id)
    try:
        called = normalize_phone(
            request.form.get("To") or request.form.get("Called", ""),
            current_app.config["PHONE_DEFAULT_REGION"],
        )
    except InvalidContact:
        called = ""
    outcome = identity.confirm_by_callback(challenge, called, request.form.get("Digits", ""))
    db.session.commit()
    response = VoiceResponse()
    if outcome == "verified" and challenge.created_by_agent_id is None:
        # The caller asked in the phone menu to hear our answer: read it now.
        answer = voice_menu.latest_answer(db.session.get(Ticket, challenge.ticket_id))
        if answer is not None:
            with force_locale(language):
                say(response, language, _("Thank you. Now we know it is you."))
            say(response, language, voice_replies.spoken_text(answer))
            response.hangup()
            return twiml(response)
    with force_locale(language):
        text = {
            "verified": _("Thank you. You are verified. You can go on talking with us. Goodbye."),
            "denied": _("Thank you. We have noted that you did not expect this call. Goodbye."),
        }.get(outcome, _("Thank you. Goodbye."))
        say(response, language, text)
    response.hangup()
    return twiml(response)
