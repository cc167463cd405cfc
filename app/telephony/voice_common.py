"""What every voice webhook shares: the voice per language, spoken slowly, and the TwiML reply.

Amazon Polly voices through Twilio `<Say>` accept SSML `<prosody>`, so prompts are read a
little slower than normal: many of our callers are older, and some hear poorly.
"""

from __future__ import annotations

from flask import Response

# language -> (Twilio language code, voice)
VOICES: dict[str, tuple[str, str]] = {
    "sv": ("sv-SE", "Polly.Astrid"),
    "en": ("en-GB", "Polly.Amy"),
}
SPEAKING_RATE = "90%"


def voice_for(language: str) -> tuple[str, str]:
    return VOICES.get(language, VOICES["sv"])


def say(verb, language: str, text: str) -> None:
    """Append a slow `<Say>` of `text` in `language` to a VoiceResponse or Gather."""
    code, voice = voice_for(language)
    spoken = verb.say(language=code, voice=voice)
    spoken.prosody(text, rate=SPEAKING_RATE)


def twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")
