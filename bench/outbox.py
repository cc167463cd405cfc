"""Worker throughput: outbox jobs per second for one worker process, against a local SMTP
sink (acknowledgement mails) and the Twilio stand-in (SMS replies). Half the jobs are each.
SQLite in a temp dir unless DATABASE_URL is set; Redis at BENCH_REDIS_URL (default db 14).

    .venv/bin/python bench/outbox.py [--jobs 2000] [--fork-jobs 100] [--profile]

It measures the in-process worker (`flask worker`) and, on fewer jobs, RQ's fork-per-job
worker (`flask worker --fork`) for comparison. Every job is checked afterwards: one mail or
SMS per item, every outbox row completed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import multiprocessing
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

# The project, not bench/, first on the path (bench/queue.py would shadow the stdlib).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from aiosmtpd.controller import Controller  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import delete, func, select  # noqa: E402

from app.adapters.rq_relay import relay_once, rq_queue  # noqa: E402
from app.domain.intake import InboundMessage, intake  # noqa: E402
from app.domain.replies import reply  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Agent, Message, OutboxItem  # noqa: E402
from bench._common import bench_app  # noqa: E402
from tests.support import free_port  # noqa: E402
from tests.twilio_stub import TwilioStub  # noqa: E402
from workers.context import use_app  # noqa: E402
from workers.runner import run_worker  # noqa: E402


class CountingSink:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        return "250 OK"


def serve_stand_ins(ports, stop) -> None:
    """The SMTP sink and the Twilio stand-in, in their own process: the worker's CPU time
    is then the worker's alone."""
    sink_port = free_port()
    sink = Controller(CountingSink(), hostname="127.0.0.1", port=sink_port)
    sink.start()
    stub = TwilioStub()
    stub.start()
    ports.put((sink_port, stub.base_url))
    stop.wait()
    sink.stop()
    stub.stop()


def make_work(app, jobs: int) -> None:
    """jobs/2 new email tickets (an acknowledgement each) and jobs/2 SMS replies."""
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        agent = Agent(email="bench@helpdesk.test", name="Bench", role="agent")
        agent.set_password("bench-password-123")
        db.session.add(agent)
        db.session.flush()
        run = uuid.uuid4().hex[:6]
        for n in range(jobs // 2):
            intake(
                InboundMessage(
                    channel="email",
                    sender_email=f"c{n}.{run}@example.test",
                    subject=f"Bench {n}",
                    body_text="My internet stops every evening.",
                    email_message_id=f"<b{n}.{run}@example.test>",
                    acknowledge=True,
                )
            )
            result = intake(
                InboundMessage(
                    channel="sms",
                    sender_phone=f"+4670{n:07d}",
                    body_text="Please call me",
                    external_sid=f"SM{run}{n:08d}",
                )
            )
            reply(result.ticket, agent, "We will call you at ten.", channel="sms")
            if n % 200 == 0:
                db.session.commit()
        db.session.commit()


def drain(app, redis_url: str, *, forking: bool, profile: bool) -> tuple[int, float]:
    with app.app_context():
        queue = rq_queue(Redis.from_url(redis_url))
        while relay_once(queue, batch_size=1000):
            pass
        queued = len(queue)

        def connect() -> Redis:
            return Redis.from_url(redis_url)

        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        run_worker(
            app, connect=connect, queue_name=app.config["RQ_QUEUE"], burst=True, forking=forking
        )
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
            print(out.getvalue())
        return queued, elapsed


def check(app, jobs: int) -> str:
    with app.app_context():
        open_items = db.session.scalar(
            select(func.count()).where(OutboxItem.completed_at.is_(None))
        )
        sent = dict(
            db.session.execute(
                select(Message.channel, func.count())
                .where(Message.direction == "out", Message.delivery_status == "sent")
                .group_by(Message.channel)
            ).all()
        )
        db.session.remove()
    acks, sms = sent.get("email", 0), sent.get("sms", 0)
    ok = open_items == 0 and acks == jobs // 2 and sms == jobs // 2
    return f"{'ok' if ok else 'MISMATCH'}: not completed={open_items} mails={acks} sms={sms}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--fork-jobs", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    logging.getLogger().setLevel(logging.WARNING)
    ports, stop = multiprocessing.Queue(), multiprocessing.Event()
    stand_ins = multiprocessing.Process(target=serve_stand_ins, args=(ports, stop), daemon=True)
    stand_ins.start()
    sink_port, twilio_url = ports.get(timeout=30)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    app, backend = bench_app(
        "outbox",
        SMTP_RELAY_PORT=sink_port,
        TWILIO_API_BASE_URL=twilio_url,
        RQ_QUEUE=f"bench-{uuid.uuid4().hex[:8]}",
        REDIS_URL=redis_url,
        JOB_RETRY_INTERVALS=[1, 2],
        ACK_LIMIT_PER_SENDER_PER_HOUR=1000,
    )
    use_app(app)
    print(f"outbox worker bench on {backend}, Redis {redis_url}, load {os.getloadavg()[0]:.1f}")
    for forking, jobs in ((False, args.jobs), (True, args.fork_jobs)):
        if jobs <= 0:
            continue
        make_work(app, jobs)
        cpu = time.process_time()
        queued, elapsed = drain(
            app, redis_url, forking=forking, profile=args.profile and not forking
        )
        cpu = time.process_time() - cpu
        name = "fork per job (--fork)" if forking else "in-process (default)"
        print(
            f"{name:>24}: {queued} jobs in {elapsed:.2f} s = {queued / elapsed:,.0f} jobs/s; "
            f"worker CPU {cpu * 1000 / queued:.1f} ms/job = {queued / cpu:,.0f} jobs per "
            f"CPU-second ({check(app, jobs)})"
        )
    stop.set()
    stand_ins.join(10)


if __name__ == "__main__":
    main()
