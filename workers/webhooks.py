"""Delivering one webhook event (outbox topic "webhook.deliver")."""

from __future__ import annotations

import json
import time

from app.adapters.webhooks import post_json
from app.domain.integrations import sign
from app.extensions import db
from app.models import OutboxItem, WebhookEndpoint


def deliver_webhook(payload: dict, item: OutboxItem) -> None:
    """POST the signed event; raising makes RQ retry. The delivery id lets the receiver
    ignore a repeat (at-least-once, like every outbox job)."""
    endpoint = db.session.get(WebhookEndpoint, payload["webhook_id"])
    if endpoint is None or not endpoint.active:
        return  # disabled meanwhile: nothing to send
    body = json.dumps(
        {"id": payload["delivery_id"], "event": payload["event"], "ticket": payload["ticket"]},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    timestamp = int(time.time())
    post_json(
        endpoint.url,
        body,
        {
            "X-Helpdesk-Event": payload["event"],
            "X-Helpdesk-Delivery": payload["delivery_id"],
            "X-Helpdesk-Signature": sign(endpoint.secret, timestamp, body),
            "User-Agent": "CallbackHelpdesk-Webhook/1",
        },
    )
