"""`flask worker`: an RQ worker that rides out Redis outages.

RQ's `Worker.work()` quits on any Redis error outside its dequeue loop (a Redis crash while a
job runs: the job's status update raises `ConnectionError`, "found an unhandled exception,
quitting"). Here the worker is rebuilt and started again once Redis answers, with backoff, so
one Redis restart does not leave the outbox without workers.

Jobs run in this process by default (`HelpdeskWorker`, no fork per job): the app, its database
pool and the SMTP connection stay warm, which is what makes a worker keep up (bench/outbox.py).
Idempotence does not depend on it: every job body checks the database before acting.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker

log = logging.getLogger(__name__)

BACKOFF_START, BACKOFF_MAX = 0.5, 30.0
MAINTENANCE_SECONDS = 60


class HelpdeskWorker(SimpleWorker):
    """Runs each job in the worker process itself, remembering whether a stop was asked for."""

    stop_asked = False

    def request_stop(self, signum, frame):  # noqa: ANN001 - RQ's signal-handler signature
        self.stop_asked = True
        super().request_stop(signum, frame)

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:  # noqa: ANN001
        """How long a running job's record lives in RQ's started registry without heartbeat.

        The job is killed at its timeout anyway; a short margin (RQ adds 60 s) lets the
        reconciler see a job whose worker died (SIGKILL, power loss) as abandoned sooner.
        """
        if job.timeout in (None, -1):
            return super().get_heartbeat_ttl(job, working_time)
        return int(job.timeout) + 5


class ForkingHelpdeskWorker(Worker):
    """RQ's classic fork-per-job worker (isolation for leaky jobs; about 30 x slower)."""

    stop_asked = False

    def request_stop(self, signum, frame):  # noqa: ANN001
        self.stop_asked = True
        super().request_stop(signum, frame)


def wait_for_redis(connect: Callable[[], Redis], stop: threading.Event) -> bool:
    """Ping with exponential backoff until Redis answers (True) or a stop is asked (False)."""
    delay = BACKOFF_START
    while not stop.is_set():
        try:
            connect().ping()
            return True
        except RedisError as error:
            log.warning("Redis unavailable (%s); retrying in %.1f s", type(error).__name__, delay)
        stop.wait(delay)
        delay = min(delay * 2, BACKOFF_MAX)
    return False


def run_worker(
    app: Flask,
    *,
    connect: Callable[[], Redis],
    queue_name: str,
    burst: bool = False,
    forking: bool = False,
    max_restarts: int | None = None,
) -> int:
    """Work the queue until stopped, restarting the RQ worker after it lost Redis.

    Returns how many times the worker was restarted (tests bound it with `max_restarts`).
    """
    worker_class = ForkingHelpdeskWorker if forking else HelpdeskWorker
    stop = threading.Event()
    restarts = 0
    while True:
        connection = connect()
        worker = worker_class(
            [Queue(queue_name, connection=connection)],
            connection=connection,
            # Registry clean-up and taking over the retry scheduler from a dead worker (its
            # lock expires with this interval) every minute instead of every ten.
            maintenance_interval=MAINTENANCE_SECONDS,
        )
        try:
            worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
        except RedisError as error:  # e.g. from register_death in RQ's teardown
            log.warning("worker lost Redis (%s)", type(error).__name__)
        if worker.stop_asked or burst:
            return restarts
        if max_restarts is not None and restarts >= max_restarts:
            return restarts
        restarts += 1
        # Between workers, SIGTERM/SIGINT stop us here instead of in a dead worker's handler.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        log.warning("RQ worker stopped unexpectedly; starting a new one when Redis answers")
        if not wait_for_redis(connect, stop):
            return restarts
