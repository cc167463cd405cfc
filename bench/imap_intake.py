"""Mailbox intake benchmark: a local Dovecot with a backlog → our IMAP adapter → tickets.

1. Backlog: N messages waiting in the INBOX (MULTIAPPEND) when the fetcher starts;
   messages/s from its first connection until every ticket is committed and every message
   moved to "Processed".
2. IDLE latency: with the fetcher idling, a client APPENDs one message at a time; the time
   from APPEND to the ticket's commit (seen by polling the database every 5 ms).

SQLite by default (a fresh temp database); DATABASE_URL=postgresql://… for PostgreSQL.
Needs Debian's dovecot-imapd (scripts/setup.sh installs it).

    .venv/bin/python bench/imap_intake.py [--messages 10000] [--idle-samples 100]
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, select

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/

from app.domain.mailboxes import MailboxConfig  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Message  # noqa: E402
from bench._common import bench_app, percentile  # noqa: E402
from inbound.imap import MailboxFetcher  # noqa: E402
from tests.mailservers import Dovecot  # noqa: E402

USER = "support@helpdesk.test"


def build(n: int, tag: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Customer {n} <customer{n % 500}@example.test>"
    mail["To"] = USER
    mail["Subject"] = f"Problem number {n}"
    mail["Message-ID"] = f"<imap-bench-{tag}-{n}@example.test>"
    mail["Auto-Submitted"] = "auto-generated"  # keep acknowledgements out of the measurement
    mail.set_content("Hello,\n\nmy internet stops every evening around eight.\n\nRegards\n" * 3)
    return mail.as_bytes(policy=policy.SMTP)


def count(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(Message))
        finally:
            db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--idle-samples", type=int, default=100)
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.WARNING)

    app, backend = bench_app("imap", INBOUND_AUTH="off", IMAP_BATCH=100)
    dovecot = Dovecot()
    dovecot.add_user(USER, "bench-password")
    dovecot.start()
    try:
        config = MailboxConfig(
            name="bench",
            host="127.0.0.1",
            port=dovecot.port,
            security="plain",
            username=USER,
            password="bench-password",
            failed_folder="Could not import",
        )
        started = time.perf_counter()
        with dovecot.client(USER) as imap:
            for begin in range(0, args.messages, 500):
                end = min(begin + 500, args.messages)
                imap.multiappend("INBOX", [build(n, "backlog") for n in range(begin, end)])
        filled = time.perf_counter() - started
        print(f"filled the mailbox with {args.messages} messages in {filled:.1f} s")

        fetcher = MailboxFetcher(app, config)
        thread = threading.Thread(target=fetcher.run, daemon=True)
        started = time.perf_counter()
        thread.start()
        while count(app) < args.messages:
            time.sleep(0.05)
        with dovecot.client(USER) as imap:
            while imap.select_folder("INBOX", readonly=True)[b"EXISTS"]:
                time.sleep(0.05)
        backlog = time.perf_counter() - started
        rate = args.messages / backlog
        print(
            f"backlog ({backend}): {args.messages} messages in {backlog:.1f} s = "
            f"{rate:.0f} messages/s (target >= 200)",
            flush=True,
        )

        latencies = []
        with dovecot.client(USER) as imap:
            for n in range(args.idle_samples):
                before = count(app)
                time.sleep(0.05)  # the fetcher is back in IDLE
                sent = time.perf_counter()
                imap.append("INBOX", build(n, "idle"))
                while count(app) == before:
                    time.sleep(0.005)
                latencies.append(time.perf_counter() - sent)
                if (n + 1) % 25 == 0:
                    print(f"  {n + 1} IDLE samples, last {latencies[-1] * 1000:.0f} ms", flush=True)
        fetcher.stop.set()
        thread.join(30)
        print(
            f"APPEND -> ticket with IDLE ({backend}, {len(latencies)} samples): "
            f"p50 {percentile(latencies, 0.5):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms (target p99 < 2000 ms)"
        )
    finally:
        dovecot.cleanup()


if __name__ == "__main__":
    main()
