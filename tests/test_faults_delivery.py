"""Faults around delivery, with real processes: Redis SIGKILLed mid-job (and back empty), the
worker killed while its job runs, a full attachment store, duplicate deliveries with and
without Message-ID, and reused Message-IDs. Every 250 is reconciled against the database and
every acknowledgement is counted at the mail sink. `pytest -s -m fault` prints the table.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from sqlalchemy import func, select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import OutboxItem
from tests import support
from tests.fault_support import FLASK, Process, redis_process

pytestmark = [pytest.mark.fault, pytest.mark.slow]


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _env(migrated: str, tmp_path, redis_port: int, mail_sink, twilio_stub, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": migrated,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "RQ_QUEUE": f"fault-{uuid.uuid4().hex[:8]}",
        "SECRET_KEY": "fault-test-secret-key-long-enough-1234567",
        "HELPDESK_DATA_DIR": str(tmp_path),
        "INBOUND_AUTH": "off",
        "SMTP_RELAY_PORT": str(mail_sink.port),
        "TWILIO_AUTH_TOKEN": "test-auth-token",
        "TWILIO_API_BASE_URL": twilio_stub.base_url,
        "OUTBOX_POLL_SECONDS": "0.2",
        "OUTBOX_STALE_SECONDS": "4",
        "OUTBOX_JOB_TIMEOUT": "10",
        "JOB_RETRY_INTERVALS": "1,2,4",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _ack_item(app, n: int, run: str) -> int:
    """A new ticket whose acknowledgement waits in the outbox."""
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email",
                sender_email=f"redis{n}.{run}@example.test",
                subject=f"Problem {n}",
                body_text=f"Problem number {n}",
                email_message_id=f"<redis-{run}-{n}@example.test>",
                acknowledge=True,
            )
        )
        db.session.commit()
        item_id = db.session.scalar(
            select(OutboxItem.id).where(
                OutboxItem.payload["ticket_id"].as_integer() == result.ticket.id
            )
        )
        db.session.remove()
        return item_id


def _completed(app, ids: list[int]) -> int:
    with app.app_context():
        done = db.session.scalar(
            select(func.count()).where(OutboxItem.id.in_(ids), OutboxItem.completed_at.is_not(None))
        )
        db.session.remove()
        return done


def test_worker_rides_out_a_redis_crash_mid_job(app, migrated, tmp_path, mail_sink, twilio_stub):
    """Redis SIGKILLed while a job talks to a slow relay, down past the job's end, back empty."""
    run = uuid.uuid4().hex[:6]
    redis_port = support.free_port()
    env = _env(migrated, tmp_path, redis_port, mail_sink, twilio_stub)
    redis = redis_process(redis_port, tmp_path).start()
    relay = Process("relay", [*FLASK, "outbox", "relay"], env, tmp_path).start()
    worker = Process("worker", [*FLASK, "worker"], env, tmp_path).start()
    try:
        mail_sink.delay = 2.0
        first = _ack_item(app, 1, run)
        _wait(lambda: mail_sink.messages, 20, "the job to reach the relay")
        redis.kill()  # mid-job: the job finishes while Redis is gone
        time.sleep(3)
        redis.start()  # empty: the queue and the job's record are gone
        mail_sink.delay = 0.0
        second = _ack_item(app, 2, run)
        _wait(lambda: _completed(app, [first, second]) == 2, 40, "both acks")
        assert worker.popen.poll() is None, worker.tail()  # the same worker, never exited
        assert relay.popen.poll() is None, relay.tail()
        recipients = sorted(m["rcpt_tos"][0] for m in mail_sink.messages)
        assert recipients == [f"redis1.{run}@example.test", f"redis2.{run}@example.test"]
    finally:
        mail_sink.delay = 0.0
        for proc in (worker, relay, redis):
            proc.stop()
