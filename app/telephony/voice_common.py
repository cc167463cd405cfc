"""What every voice webhook shares: the voice per language, spoken slowly, and the TwiML reply.

Amazon Polly voices through Twilio `<Say>` accept SSML `<prosody>`, so prompts are read a
little slower than normal: many of our callers are older, and some hear poorly.
"""

from __future__ import annotations

from flask import Response

from app.domain.i18n import VOICES, customer_language

# The Amazon Polly voice per language (the language codes are app.domain.i18n.VOICES).
POLLY_VOICES: dict[str, str] = {"sv": "Polly.Astrid", "en": "Polly.Amy"}
SPEAKING_RATE = "90%"


def say(verb, language: str, text: str) -> None:
    """Append a slow `<Say>` of `text` in `language` to a VoiceResponse or Gather."""
    chosen = customer_language(language)
    spoken = verb.say(language=VOICES[chosen], voice=POLLY_VOICES[chosen])
    spoken.prosody(text, rate=SPEAKING_RATE)


def twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")
