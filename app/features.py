"""The feature blueprints beyond login and the queue. One line per feature."""

from __future__ import annotations

from flask import Blueprint

from app.api import bp as api_bp
from app.community import bp as community_bp
from app.customer import bp as customer_bp
from app.devtools import bp as devtools_bp
from app.identity import bp as identity_bp
from app.ops import bp as ops_bp
from app.privacy import bp as privacy_bp
from app.surveys import bp as surveys_bp
from app.telephony import agent_bp as phone_agent_bp
from app.telephony import bp as telephony_bp


def blueprints(config: dict | None = None) -> list[Blueprint]:
    development = (config or {}).get("HELPDESK_ENV") == "development"
    return [
        ops_bp,  # /healthz, /readyz, /metrics, admin jobs page
        customer_bp,  # /callback
        telephony_bp,  # /twilio/* webhooks (signature-checked)
        phone_agent_bp,  # click-to-call and call outcomes
        identity_bp,  # verification panel, /verify/<token>, audit log
        community_bp,  # public pages at / and the agents' draft review
        privacy_bp,  # data protection: export, erasure, records of processing, retention
        api_bp,  # /api/v1: JSON API for integrations (token, scopes; app/api/openapi.json)
        surveys_bp,  # /survey/<token>: "How did we do?" from the resolution mail
        *([devtools_bp] if development else []),  # /agent/dev/phone: the phone side, locally
    ]
