"""Twilio webhooks (SMS, voice, status callbacks) and the agents' click-to-call actions."""

from flask import Blueprint

bp = Blueprint("telephony", __name__)  # Twilio webhooks: signature-checked, CSRF-exempt
agent_bp = Blueprint("phone_agent", __name__)  # agents' phone actions: login + CSRF

from app.telephony import (  # noqa: E402,F401
    agent_routes,
    routes,
    survey_call,
    verify_call,
    voice_menu,
    voice_reply,
)
