"""SMTP intake benchmark: real smtplib clients → our aiosmtpd server → ticket committed.

Measures DATA→250 latency (the 250 is sent only after the commit) and sustained messages/s
with several concurrent connections. SQLite by default (a fresh temp database);
DATABASE_URL=postgresql://… to measure PostgreSQL (uses that database as is).

    .venv/bin/python bench/smtp_intake.py [--messages 3000] [--connections 8]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import smtplib
import statistics
import sys
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import Message
from inbound.server import HelpdeskController
from tests.support import free_port

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/ (queue.py!)

from bench._common import bench_app, percentile  # noqa: E402


def build(n: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Customer {n} <customer{n % 500}@example.test>"
    mail["To"] = "support@helpdesk.test"
    mail["Subject"] = f"Problem number {n}"
    mail["Message-ID"] = f"<bench-{n}-{time.time_ns()}@example.test>"
    mail["Auto-Submitted"] = "auto-generated"  # keep acknowledgements out of the measurement
    mail.set_content("Hello,\n\nmy internet stops every evening around eight.\n\nRegards\n" * 3)
    return mail.as_bytes(policy=policy.SMTP)


def client_process(port: int, numbers: list[int], results) -> None:
    """Clients run in their own processes so they do not share the server's GIL."""
    latencies: list[float] = []
    errors: list[str] = []
    client(port, numbers, latencies, errors)
    results.put((latencies, errors))


def client(port: int, numbers: list[int], latencies: list[float], errors: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("bench")
        for n in numbers:
            raw = build(n)
            smtp.mail(f"customer{n % 500}@example.test")
            smtp.rcpt("support@helpdesk.test")
            started = time.perf_counter()
            code, reply = smtp.data(raw)
            latencies.append(time.perf_counter() - started)
            if code != 250:
                errors.append(f"{code} {reply!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    # INBOUND_AUTH off: DNS lookups would measure the network, not us.
    app, backend = bench_app("smtp", INBOUND_AUTH="off")

    logging.getLogger().setLevel(logging.WARNING)

    controller = HelpdeskController(app, host="127.0.0.1", port=free_port())
    controller.start()
    client(controller.port, list(range(-20, 0)), [], [])  # warm up
    latencies: list[float] = []
    errors: list[str] = []
    per = [list(range(i, args.messages, args.connections)) for i in range(args.connections)]
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=client_process, args=(controller.port, numbers, results))
        for numbers in per
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    for _ in processes:
        got_latencies, got_errors = results.get()
        latencies += got_latencies
        errors += got_errors
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    controller.stop()
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Message))
    print(f"database             {backend}")
    print(f"messages sent        {args.messages} over {args.connections} connections")
    print(f"stored               {stored - 20} (errors: {len(errors)})")
    print(f"throughput           {args.messages / elapsed:.0f} messages/s")
    print(
        f"DATA->250 latency    p50 {percentile(latencies, 0.50):.1f} ms  "
        f"p99 {percentile(latencies, 0.99):.1f} ms  "
        f"mean {statistics.mean(latencies) * 1000:.1f} ms"
    )
    if errors:
        print("first error:", errors[0])


if __name__ == "__main__":
    main()
