"""Presence: who has a ticket open or is typing a reply.

Kept in Redis with a short TTL; if Redis is down, presence is simply not shown (it is a
courtesy, not a lock).
"""

from __future__ import annotations

import time

from flask import current_app
from redis.exceptions import RedisError

from app.adapters.rq_relay import redis_connection
from app.models import Agent

PRESENCE_TTL = 60


def _presence_key(ticket_id: int) -> str:
    """Namespaced by the queue name ("helpdesk:presence:<id>" by default), so several
    installations, or test runs, sharing one Redis never see each other's agents."""
    return f"{current_app.config['RQ_QUEUE']}:presence:{ticket_id}"


def mark_present(ticket_id: int, agent: Agent, activity: str = "viewing") -> None:
    """Note that `agent` is on the ticket (viewing or replying) for the next minute."""
    try:
        connection = redis_connection()
        key = _presence_key(ticket_id)
        connection.hset(key, str(agent.id), f"{int(time.time())}:{activity}:{agent.name}")
        connection.expire(key, PRESENCE_TTL)
    except RedisError:
        return


def others_present(ticket_id: int, agent: Agent) -> list[dict]:
    """Other agents seen on the ticket within the last minute: [{name, activity}]."""
    try:
        entries = redis_connection().hgetall(_presence_key(ticket_id))
    except RedisError:
        return []
    now = int(time.time())
    others = []
    for agent_id, value in entries.items():
        seen, activity, name = value.decode().split(":", 2)
        if int(agent_id) != agent.id and now - int(seen) <= PRESENCE_TTL:
            others.append({"name": name, "activity": activity})
    return others
