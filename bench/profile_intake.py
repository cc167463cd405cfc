"""Per-mail cost of the SMTP committer without sockets: GroupCommitter.store over N mails.

Mails are built like bench/smtp_intake.py's and parsed beforehand; batches of 20 are
stored one after another. Prints wall and process CPU time per mail, SQL statements per
mail and the load average; with --profile, the cProfile listing and Python calls per mail.

    .venv/bin/python bench/profile_intake.py [--messages 1000] [--batch 20] [--profile]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/

import argparse  # noqa: E402
import cProfile  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402

from sqlalchemy import event  # noqa: E402

from app.extensions import db  # noqa: E402
from bench._common import bench_app  # noqa: E402
from bench.smtp_intake import build  # noqa: E402
from inbound.server import HelpdeskHandler  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    app, backend = bench_app("profile", INBOUND_AUTH="off")
    logging.getLogger().setLevel(logging.WARNING)
    handler = HelpdeskHandler(app)

    def mails(tag: str, count: int) -> list:
        return [
            handler.prepare(
                build(n, tag), "customer@example.test", ["support@helpdesk.test"], None, "x"
            )
            for n in range(count)
        ]

    try:
        for warm in range(5):
            assert all(r.startswith("250") for r in handler.committer.store(mails(f"w{warm}", 20)))
        prepared = mails("p", args.messages)
        batches = [prepared[i : i + args.batch] for i in range(0, len(prepared), args.batch)]
        statements = [0]
        with app.app_context():
            event.listen(
                db.engine,
                "before_cursor_execute",
                lambda *_: statements.__setitem__(0, statements[0] + 1),
            )
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        wall, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            replies = handler.committer.store(batch)
            assert all(r.startswith("250") for r in replies), replies
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if profiler:
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(40)
            print(f"Python calls per mail: {stats.total_calls / args.messages:,.0f}")
        n = args.messages
        print(
            f"{backend}: {n} mails in batches of {args.batch}: {n / wall:.0f} msg/s, "
            f"CPU {cpu * 1000 / n:.2f} ms/mail, {statements[0] / n:.2f} statements/mail, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        handler.close()


if __name__ == "__main__":
    main()
