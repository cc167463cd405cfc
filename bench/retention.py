"""Retention purge at scale: seed N tickets (as bench/queue.py), then purge the oldest
resolved/closed ones in batches exactly as the retention job does (one short transaction
per batch), while another thread keeps taking in new messages. Prints rows purged per
second, the longest batch (how long the writer lock is held) and the intake latency seen
meanwhile (the queue is not locked).

    .venv/bin/python bench/retention.py [--tickets 1000000] [--purge-fraction 0.2]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/retention.py
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlalchemy import func, select  # noqa: E402

from app.domain import retention  # noqa: E402
from app.domain.intake import InboundMessage, intake  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Message, Ticket  # noqa: E402
from bench._common import bench_app, percentile  # noqa: E402
from bench.queue import seed  # noqa: E402


def intake_while(app, stop: threading.Event, timings: list[float]) -> None:
    """A steady trickle of new SMS tickets, as the web and SMTP processes would write."""
    n = 0
    with app.app_context():
        while not stop.is_set():
            started = time.perf_counter()
            intake(InboundMessage(channel="sms", sender_phone=f"+4673{n:07d}", body_text="Hej"))
            db.session.commit()
            timings.append(time.perf_counter() - started)
            n += 1
            time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--purge-fraction", type=float, default=0.2)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    app, backend = bench_app("retention")
    with app.app_context():
        existing = db.session.scalar(select(func.count()).select_from(Ticket))
    if existing < args.tickets:
        print(f"seeding {args.tickets - existing:,} tickets …")
        print(f"seeded in {seed(app, args.tickets - existing):.0f} s")
    with app.app_context():
        if backend == "postgresql":  # the seed gives tickets explicit ids
            db.session.execute(
                db.text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))")
            )
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
    # bench/queue.py creates ticket i at 2024-01-01 + i minutes.
    cutoff = datetime(2024, 1, 1) + timedelta(minutes=int(args.tickets * args.purge_fraction))
    stop, intake_timings = threading.Event(), []
    writer = threading.Thread(target=intake_while, args=(app, stop, intake_timings))
    writer.start()
    batches, rows, started = [], 0, time.perf_counter()
    with app.app_context():
        while True:
            batch_started = time.perf_counter()
            batch = retention.purge_batch("messages", cutoff, args.batch)
            db.session.commit()
            batches.append(time.perf_counter() - batch_started)
            rows += batch.rows
            if not batch.rows:
                break
            time.sleep(0.001)
    elapsed = time.perf_counter() - started
    stop.set()
    writer.join()
    with app.app_context():
        left = db.session.scalar(select(func.count()).select_from(Ticket))
        messages = db.session.scalar(select(func.count()).select_from(Message))
        again = time.perf_counter()
        second = retention.purge_batch("messages", cutoff, args.batch)
        db.session.commit()
        again = time.perf_counter() - again
    print(f"database          {backend}, {tickets:,} tickets before, {left:,} after")
    print(
        f"purged            {rows:,} rows ({tickets - left + len(intake_timings):,} tickets "
        f"with their messages) in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s"
    )
    print(
        f"batches           {len(batches)} of {args.batch} tickets: "
        f"p50 {percentile(batches, 0.5):.0f} ms, max {max(batches) * 1000:.0f} ms"
    )
    print(
        f"intake meanwhile  {len(intake_timings)} new tickets: "
        f"p50 {percentile(intake_timings, 0.5):.1f} ms, "
        f"p99 {percentile(intake_timings, 0.99):.1f} ms, max {max(intake_timings) * 1000:.0f} ms"
    )
    print(f"second run        {second.rows} rows in {again * 1000:.0f} ms (idempotent)")
    print(f"messages left     {messages:,}")


if __name__ == "__main__":
    main()
