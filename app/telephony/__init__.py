"""Twilio webhooks (SMS, voice, status callbacks) and the agents' click-to-call actions."""

from flask import Blueprint

bp = Blueprint("telephony", __name__)  # Twilio webhooks: signature-checked, CSRF-exempt
agent_bp = Blueprint("phone_agent", __name__)  # agents' phone actions: login + CSRF

from app.telephony import agent_routes, routes, verify_call, voice_menu, voice_reply  # noqa: E402,F401
