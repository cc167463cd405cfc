"""Sending one-time codes. The plain code lives only in this function's memory."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app
from twilio.twiml.voice_response import VoiceResponse

from app.adapters import twilio_rest
from app.adapters.smtp import send
from app.domain import identity
from app.extensions import db
from app.models import Customer, OutboxItem, VerificationChallenge

TEXT = {
    "en": "Your code for {name}: {code}. It works for 10 minutes. "
    "Never give it to anyone who calls you unasked.",
    "sv": "Din kod till {name}: {code}. Den gäller i 10 minuter. "
    "Lämna aldrig ut den till någon som ringer dig oombedd.",
}


def send_code(payload: dict, item: OutboxItem) -> None:
    challenge = db.session.get(VerificationChallenge, payload["challenge_id"])
    if challenge is None:
        return
    prepared = identity.prepare_code(challenge)
    if prepared is None:
        return  # sent already (a job may run twice) or no longer wanted
    customer = db.session.get(Customer, challenge.customer_id)
    language = "sv" if customer.language == "sv" else "en"
    name = current_app.config["SUPPORT_NAME"]
    if prepared.channel == "callback":
        # No code is spoken: the customer only presses 1 on a call we place to the number on
        # file. Twilio fetches the words from our signed webhook once someone answers.
        twilio_rest.start_call(
            prepared.to,
            url=twilio_rest.public_url(f"/twilio/verify-call/{challenge.id}"),
            machine_detection="Enable",
        )
    elif prepared.channel == "sms":
        twilio_rest.send_sms(prepared.to, TEXT[language].format(name=name, code=prepared.code))
    elif prepared.channel == "voice":
        spoken = ", ".join(prepared.code)
        response = VoiceResponse()
        for _ in range(3):
            response.say(
                ("Din kod är: " if language == "sv" else "Your code is: ") + spoken + ".",
                language="sv-SE" if language == "sv" else "en-GB",
            )
            response.pause(length=1)
        twilio_rest.start_call(prepared.to, twiml=str(response))
    else:
        link = twilio_rest.public_url(f"/verify/{prepared.link_token}")
        mail = EmailMessage()
        mail["From"] = formataddr((name, current_app.config["SUPPORT_ADDRESS"]))
        mail["To"] = prepared.to
        mail["Subject"] = "Din kod" if language == "sv" else "Your code"
        mail["Date"] = formatdate()
        mail["Message-ID"] = make_msgid(domain=current_app.config["SUPPORT_ADDRESS"].split("@")[1])
        mail["Auto-Submitted"] = "auto-generated"
        body = TEXT[language].format(name=name, code=prepared.code)
        if language == "sv":
            body += f"\n\nDu kan också öppna den här länken och skriva in koden:\n{link}\n"
        else:
            body += f"\n\nYou can also open this link and type the code there:\n{link}\n"
        mail.set_content(body)
        send(mail)
