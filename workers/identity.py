"""Sending one-time codes. The plain code lives only in this function's memory."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import gettext
from twilio.twiml.voice_response import VoiceResponse

from app.adapters import twilio_rest
from app.adapters.smtp import send
from app.domain import identity, phone_policy
from app.domain.i18n import VOICES, in_language
from app.domain.phone_policy import DestinationRefused
from app.domain.reach_us import mail_footer, sms_signature
from app.extensions import db
from app.models import Customer, OutboxItem, Ticket, VerificationChallenge


def send_code(payload: dict, item: OutboxItem) -> None:
    challenge = db.session.get(VerificationChallenge, payload["challenge_id"])
    if challenge is None:
        return
    prepared = identity.prepare_code(challenge)
    if prepared is None:
        return  # sent already (a job may run twice) or no longer wanted
    customer = db.session.get(Customer, challenge.customer_id)
    config = current_app.config
    name = config["SUPPORT_NAME"]
    minutes = config["OTP_VALID_MINUTES"]
    ticket = db.session.get(Ticket, challenge.ticket_id)
    ref = ticket.reference if ticket else ""
    if prepared.channel in ("callback", "voice"):
        try:
            phone_policy.check_destination(prepared.to)  # the same countries as for SMS
        except DestinationRefused as error:
            identity.refuse_send(challenge, str(error))
            return
    with in_language(customer.language) as language:
        if prepared.channel == "callback":
            # No code is spoken: the customer only presses 1 on a call we place to the number
            # on file. Twilio fetches the words from our signed webhook once someone answers.
            twilio_rest.start_call(
                prepared.to,
                url=twilio_rest.public_url(f"/twilio/verify-call/{challenge.id}"),
                machine_detection="Enable",
            )
        elif prepared.channel == "sms":
            # True for each way of answering: agents do ask customers to read a code aloud,
            # so what protects them is that only the person helping with this ticket may ask.
            text = gettext(
                "%(name)s: your code is %(code)s. It works for %(minutes)s minutes. Read it to "
                "the person helping you with %(ref)s, or reply to this text with it. Give it to "
                "no one else.",
                name=name,
                code=prepared.code,
                minutes=minutes,
                ref=ref,
            ) + sms_signature(language)
            try:
                twilio_rest.send_sms(prepared.to, text)
            except DestinationRefused as error:
                identity.refuse_send(challenge, str(error))
        elif prepared.channel == "voice":
            spoken = gettext("Your code is: %(code)s.", code=", ".join(prepared.code))
            response = VoiceResponse()
            for _ in range(3):
                response.say(spoken, language=VOICES[language])
                response.pause(length=1)
            twilio_rest.start_call(prepared.to, twiml=str(response))
        else:
            mail = EmailMessage()
            mail["From"] = formataddr((name, config["SUPPORT_ADDRESS"]))
            mail["To"] = prepared.to
            mail["Subject"] = gettext("Your code")
            mail["Date"] = formatdate()
            mail["Message-ID"] = make_msgid(domain=config["SUPPORT_ADDRESS"].split("@")[1])
            mail["Auto-Submitted"] = "auto-generated"
            body = render_template(
                "mail/code.txt",
                name=name,
                code=prepared.code,
                minutes=minutes,
                ref=ref,
                link=twilio_rest.public_url(f"/verify/{prepared.link_token}"),
            )
            mail.set_content(body + "\n" + mail_footer(language))
            send(mail)
