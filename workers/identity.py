"""Sending one-time codes. The plain code lives only in this function's memory."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app
from twilio.twiml.voice_response import VoiceResponse

from app.adapters import twilio_rest
from app.adapters.smtp import send
from app.domain import identity
from app.domain.reach_us import mail_footer, sms_signature
from app.extensions import db
from app.models import Customer, OutboxItem, Ticket, VerificationChallenge

# True for each way of answering: agents do ask customers to read an SMS code aloud, so
# "never give it to anyone who calls you" was false; what protects the customer is that only
# the person helping them with this ticket may ask for it.
TEXT = {
    "en": "{name}: your code is {code}. It works for 10 minutes. Read it to the person "
    "helping you with {ref}, or reply to this text with it. Give it to no one else.",
    "sv": "{name}: din kod är {code}. Den gäller i 10 minuter. Läs upp den för den som "
    "hjälper dig med {ref}, eller svara på det här sms:et med koden. Ge den inte till "
    "någon annan.",
}
MAIL_TEXT = {
    "en": "Your code for {name} is {code}. It works for 10 minutes.\n\n"
    "Type it on this page:\n{link}\n\n"
    "Or read it aloud to the person helping you with {ref}. Give it to no one else.\n",
    "sv": "Din kod till {name} är {code}. Den gäller i 10 minuter.\n\n"
    "Skriv in den på den här sidan:\n{link}\n\n"
    "Eller läs upp den för den som hjälper dig med {ref}. Ge den inte till någon annan.\n",
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
    ticket = db.session.get(Ticket, challenge.ticket_id)
    ref = ticket.reference if ticket else ""
    if prepared.channel == "callback":
        # No code is spoken: the customer only presses 1 on a call we place to the number on
        # file. Twilio fetches the words from our signed webhook once someone answers.
        twilio_rest.start_call(
            prepared.to,
            url=twilio_rest.public_url(f"/twilio/verify-call/{challenge.id}"),
            machine_detection="Enable",
        )
    elif prepared.channel == "sms":
        twilio_rest.send_sms(
            prepared.to,
            TEXT[language].format(name=name, code=prepared.code, ref=ref) + sms_signature(language),
        )
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
        body = MAIL_TEXT[language].format(name=name, code=prepared.code, ref=ref, link=link)
        mail.set_content(body + mail_footer(language))
        send(mail)
