"""The feature blueprints beyond login and the queue. One line per feature."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    from app.community import bp as community_bp
    from app.customer import bp as customer_bp
    from app.identity import bp as identity_bp
    from app.ops import bp as ops_bp
    from app.telephony import agent_bp as phone_agent_bp
    from app.telephony import bp as telephony_bp

    found: list[Blueprint] = [
        ops_bp,
        customer_bp,
        telephony_bp,
        phone_agent_bp,
        identity_bp,
        community_bp,
    ]
    return found
