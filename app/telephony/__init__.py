"""Twilio webhooks (SMS, voice, status callbacks) and the agents' click-to-call actions."""

from flask import Blueprint

bp = Blueprint("telephony", __name__)

from app.telephony import agent_routes, routes  # noqa: E402,F401
