"""Prometheus metrics.

Counters that happen in a process (SMTP transactions, HTTP latency) live in that process's
registry; the SMTP server exposes its own on INBOUND_METRICS_PORT. Figures whose truth is in
the database or Redis (tickets by channel, outbox lag, queue length, failed jobs) are read
at scrape time by a collector, so every web process reports the same, correct numbers.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import RedisError
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.adapters.rq_relay import redis_connection, rq_queue
from app.domain.outbox import lag_seconds
from app.extensions import db
from app.models import OutboxItem, Ticket

log = logging.getLogger(__name__)

SMTP_TRANSACTIONS = Counter(
    "helpdesk_smtp_transactions",
    "SMTP DATA results: accepted (250), rejected (5xx), tempfail (4xx).",
    ["result"],
)
HTTP_SECONDS = Histogram(
    "helpdesk_http_request_seconds",
    "Time to answer an HTTP request, by endpoint (Twilio webhooks included).",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
JOB_FAILURES = Counter(
    "helpdesk_job_failures", "Job attempts that raised (each retry counts).", ["topic"]
)


def smtp_result(result: str) -> None:
    """Count one SMTP transaction outcome: 'accepted', 'rejected' or 'tempfail'."""
    SMTP_TRANSACTIONS.labels(result=result).inc()


class StateCollector:
    """Reads the figures that live in the database and Redis when Prometheus scrapes."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):

        with self.app.app_context():
            try:
                opened = GaugeMetricFamily(
                    "helpdesk_tickets_opened",
                    "Tickets ever opened, by channel.",
                    labels=["channel"],
                )
                for channel, count in db.session.execute(
                    select(Ticket.channel, func.count()).group_by(Ticket.channel)
                ):
                    opened.add_metric([channel or "unknown"], count)
                yield opened
                by_status = GaugeMetricFamily(
                    "helpdesk_tickets", "Tickets by status now.", labels=["status"]
                )
                for status, count in db.session.execute(
                    select(Ticket.status, func.count()).group_by(Ticket.status)
                ):
                    by_status.add_metric([status], count)
                yield by_status
                yield GaugeMetricFamily(
                    "helpdesk_outbox_lag_seconds",
                    "Age of the oldest outbox item not yet handed to RQ.",
                    value=lag_seconds(),
                )
                yield GaugeMetricFamily(
                    "helpdesk_outbox_failed",
                    "Outbox items that ran out of retries.",
                    value=db.session.scalar(
                        select(func.count()).where(OutboxItem.failed.is_(True))
                    ),
                )
            except SQLAlchemyError:
                log.warning("metrics: database unavailable")
            finally:
                db.session.remove()
            try:
                connection = redis_connection()
                queue = rq_queue(connection)
                yield GaugeMetricFamily(
                    "helpdesk_queue_length", "Jobs waiting in the RQ queue.", value=len(queue)
                )
                yield GaugeMetricFamily(
                    "helpdesk_failed_jobs",
                    "Jobs in RQ's failed registry.",
                    value=FailedJobRegistry(queue=queue).count,
                )
            except RedisError:
                log.warning("metrics: Redis unavailable")


def register_timing(app: Flask) -> None:
    """Time every request by endpoint (webhook latency is one of the figures we promise)."""

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.get("request_started")
        if started is not None and request.endpoint != "ops.metrics":
            HTTP_SECONDS.labels(endpoint=request.endpoint or "unknown").observe(
                time.perf_counter() - started
            )
        return response


def exposition() -> bytes:
    """This process's counters followed by the database/Redis figures, in text format."""
    state = CollectorRegistry(auto_describe=False)
    state.register(StateCollector(current_app._get_current_object()))
    return generate_latest(REGISTRY) + generate_latest(state)
