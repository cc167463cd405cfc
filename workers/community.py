"""Community jobs: draft an anonymized article from a resolved ticket; publish an approved one."""

from __future__ import annotations

from app.domain import community
from app.models import OutboxItem


def draft(payload: dict, item: OutboxItem) -> None:
    community.draft_from_ticket(payload["ticket_id"])


def publish(payload: dict, item: OutboxItem) -> None:
    community.publish(payload["article_id"])
