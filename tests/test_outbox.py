"""Outbox → RQ on a real Redis → jobs. Nothing is lost when Redis goes away."""

import time
from urllib.parse import urlsplit

import pytest
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from app.adapters.rq_relay import job_id_for, redis_connection, relay_once
from app.domain import outbox
from app.domain.intake import InboundMessage, intake
from app.domain.replies import reply
from app.extensions import db
from app.models import Agent, Message, OutboxItem
from app.wiring import TOPIC_HANDLERS
from tests.conftest import TEST_REDIS_URL
from tests.support import TcpProxy, run_jobs
from workers.jobs import run_outbox_item


@pytest.fixture
def agent(ctx, make_agent):
    return db.session.get(Agent, make_agent())


def open_ticket(n: int = 1):
    return intake(
        InboundMessage(
            channel="email",
            sender_email="anna@example.com",
            subject="Help",
            body_text="hello",
            email_message_id=f"<m{n}@example.com>",
        )
    ).ticket


def test_agent_reply_is_mailed_through_outbox_and_rq(app, agent, mail_sink):
    ticket = open_ticket()
    message = reply(ticket, agent, "Try turning it off and on.")
    db.session.commit()
    assert message.delivery_status == "queued"

    assert run_jobs(app) == 0
    db.session.expire_all()
    assert db.session.get(Message, message.id).delivery_status == "sent"
    item = db.session.scalar(select(OutboxItem))
    assert item.completed_at is not None and item.dispatched_at is not None

    sent = mail_sink.last()
    assert sent["To"] == "anna@example.com"
    assert sent["In-Reply-To"] == "<m1@example.com>"
    assert f"[{ticket.reference}]" in sent["Subject"]
    assert sent["Reply-To"].startswith("support+" + ticket.reference)
    assert "Try turning it off and on." in sent.get_content()


def test_job_run_twice_sends_once(app, agent, mail_sink):

    reply(open_ticket(), agent, "Once only")
    db.session.commit()
    item_id = db.session.scalar(select(OutboxItem.id))
    assert run_outbox_item(item_id) == "done"
    assert run_outbox_item(item_id) == "already done"
    assert len(mail_sink.messages) == 1


def test_failing_job_is_retried_then_lands_in_failed_registry_with_reason(app, ctx, monkeypatch):
    calls = []

    def always_fails(payload, item):
        calls.append(payload["n"])
        raise RuntimeError("the relay said no")

    monkeypatch.setitem(TOPIC_HANDLERS, "test.always_fails", always_fails)
    outbox.enqueue("test.always_fails", n=7)
    db.session.commit()
    run_jobs(app)
    max_retries = len(app.config["JOB_RETRY_INTERVALS"])
    assert calls == [7] * (1 + max_retries)
    db.session.expire_all()
    item = db.session.scalar(select(OutboxItem))
    assert item.failed and item.completed_at is None
    assert "RuntimeError: the relay said no" in item.last_error
    registry = FailedJobRegistry(queue=Queue(app.config["RQ_QUEUE"], connection=redis_connection()))
    job_ids = registry.get_job_ids()
    assert len(job_ids) == 1
    failed_job = Queue(app.config["RQ_QUEUE"], connection=redis_connection()).fetch_job(job_ids[0])
    assert "the relay said no" in (failed_job.latest_result().exc_string or "")
    # The reconciler does not hand a finally-failed item over again.
    assert relay_once() == 0


def test_unknown_topic_fails_with_a_clear_reason(app, ctx):
    outbox.enqueue("no.such.topic")
    db.session.commit()
    run_jobs(app)
    db.session.expire_all()
    assert "no handler registered for outbox topic 'no.such.topic'" in db.session.scalar(
        select(OutboxItem.last_error)
    )


def test_intake_survives_redis_outage_and_relay_catches_up(app, agent, mail_sink):
    target = urlsplit(TEST_REDIS_URL)
    proxy = TcpProxy(target.hostname, target.port or 6379)
    proxy.start()
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{proxy.port}{target.path}"
    try:
        reply(open_ticket(1), agent, "first")
        db.session.commit()
        assert relay_once() == 1  # Redis reachable through the proxy

        proxy.cut()  # Redis "goes down"
        ticket = open_ticket(2)  # intake still works
        reply(ticket, agent, "second, written while Redis is down")
        db.session.commit()
        with pytest.raises(RedisError):
            relay_once()
        pending = db.session.scalars(
            select(OutboxItem).where(OutboxItem.dispatched_at.is_(None))
        ).all()
        assert len(pending) == 1 and pending[0].payload["message_id"]

        proxy.restore()  # Redis is back: the relay catches up
        assert relay_once() == 1
        connection = redis_connection()
        queue = Queue(app.config["RQ_QUEUE"], connection=connection)
        SimpleWorker([queue], connection=connection).work(burst=True)
    finally:
        proxy.cut()
        app.config["REDIS_URL"] = TEST_REDIS_URL
    bodies = sorted(  # every mail ends with our number and hours (the footer after "-- ")
        m["message"].get_content().replace("\r\n", "\n").split("\n-- \n")[0].strip()
        for m in mail_sink.messages
    )
    assert bodies == ["first", "second, written while Redis is down"]
    db.session.expire_all()
    assert all(i.completed_at for i in db.session.scalars(select(OutboxItem)))


def test_stale_dispatched_item_is_handed_over_again(app, agent):
    reply(open_ticket(), agent, "lost in a crashed worker")
    db.session.commit()
    assert relay_once() == 1
    assert relay_once() == 0  # dispatched, not yet stale
    app.config["OUTBOX_STALE_SECONDS"] = -1
    assert relay_once() == 0  # stale, but its job still waits in RQ: not handed over twice
    item = db.session.scalar(select(OutboxItem))
    assert item.dispatch_count == 1 and item.stale_checks == 1
    assert item.available_at > item.dispatched_at  # looked at again later (backoff)
    redis_connection().delete(f"rq:job:{job_id_for(item.id, 1)}")  # Redis lost the job
    item.available_at = item.dispatched_at
    db.session.commit()
    assert relay_once() == 1  # gone: the reconciler re-dispatches
    db.session.expire_all()
    item = db.session.scalar(select(OutboxItem))
    assert item.dispatch_count == 2 and item.stale_checks == 0


def test_stale_row_whose_job_failed_or_was_abandoned_is_handed_over(app, agent):
    reply(open_ticket(), agent, "worker died mid-job")
    db.session.commit()
    assert relay_once() == 1
    app.config["OUTBOX_STALE_SECONDS"] = -1
    item = db.session.scalar(select(OutboxItem))
    connection = redis_connection()
    job = Job.fetch(job_id_for(item.id, 1), connection=connection)
    registry = job.started_job_registry
    # Running, in a live worker: left alone.
    job.set_status("started")
    connection.zadd(registry.key, {f"{job.id}:exec1": time.time() + 60})
    assert relay_once() == 0
    # Its worker died: the execution record expired.
    connection.zadd(registry.key, {f"{job.id}:exec1": time.time() - 1})
    item.available_at = item.dispatched_at
    db.session.commit()
    assert relay_once() == 1
    db.session.expire_all()
    assert db.session.scalar(select(OutboxItem)).dispatch_count == 2


def test_stale_row_whose_retry_is_overdue_is_handed_over(app, agent):
    """A retry scheduled long ago that no scheduler moved (the lock holder died)."""
    reply(open_ticket(), agent, "retry stuck in the scheduled registry")
    db.session.commit()
    assert relay_once() == 1
    app.config["OUTBOX_STALE_SECONDS"] = 1
    item = db.session.scalar(select(OutboxItem))
    connection = redis_connection()
    job = Job.fetch(job_id_for(item.id, 1), connection=connection)
    job.set_status("scheduled")
    key = Queue(app.config["RQ_QUEUE"], connection=connection).scheduled_job_registry.key
    connection.zadd(key, {job.id: time.time() + 30})  # due later: a real pending retry
    item.dispatched_at = item.available_at = item.dispatched_at.replace(year=2000)
    db.session.commit()
    assert relay_once() == 0
    connection.zadd(key, {job.id: time.time() - 60})  # overdue: nobody is moving it
    item = db.session.scalar(select(OutboxItem))
    item.available_at = item.dispatched_at
    db.session.commit()
    assert relay_once() == 1
