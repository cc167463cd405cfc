"""The agent queue at scale: seed N tickets (bulk insert, ~5% still needing work), then time
the queue page and ticket search through HTTP as a logged-in agent.

    .venv/bin/python bench/queue.py [--tickets 1000000] [--requests 300]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/queue.py
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from app.domain.agents import upsert_agent
from app.extensions import db
from app.models import Customer, Message, Ticket
from app.models.customer import fold_name

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/ (queue.py!)

from bench._common import (  # noqa: E402
    bench_app,
    load_average,
    settle,
    time_requests,
    timing_line,
)

SUBJECTS = [
    "Internet down",
    "TV box black screen",
    "Invoice question",
    "Cannot log in",
    "Phone line noise",
    "Slow wifi",
    "Moving house",
    "Refund please",
]
NAMES = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sofia", "Olof"]
SURNAMES = ["Berg", "Lind", "Nilsson", "Karlsson", "Svensson", "Ek", "Holm", "Sjöberg"]


def seed(app, tickets: int, batch: int = 20000) -> float:

    rng = random.Random(3)
    customers = max(tickets // 5, 1)
    start = datetime(2024, 1, 1)
    started = time.perf_counter()
    with app.app_context():
        for first in range(0, customers, batch):
            db.session.execute(
                insert(Customer),
                [
                    {
                        **dict(
                            zip(
                                ("name", "name_folded", "name_tail_folded"),
                                (name, *fold_name(name)),
                                strict=True,
                            )
                        ),
                        "email": f"customer{i}@example.test",
                        "phone": f"+4670{i:07d}",
                        "language": "sv",
                        "sms_opted_out": False,
                        "created_at": start,
                    }
                    for i in range(first, min(first + batch, customers))
                    for name in [f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}"]
                ],
            )
            db.session.commit()
        for first in range(0, tickets, batch):
            rows, messages = [], []
            for i in range(first, min(first + batch, tickets)):
                created = start + timedelta(minutes=i)
                status = rng.choices(
                    ["resolved", "closed", "new", "open", "waiting"], [45, 50, 2, 2, 1]
                )[0]
                rows.append(
                    {
                        "id": i + 1,
                        "reference": f"HD-{100000 + i}",
                        "subject": rng.choice(SUBJECTS),
                        "status": status,
                        "priority": rng.choice([0, 1, 1, 1, 2, 3]),
                        "channel": "email",
                        "customer_id": 1 + i % customers,
                        "language": "sv",
                        "created_at": created,
                        "updated_at": created,
                        "version": 1,
                        # what the periodic SLA check fills in (normal priority, open 24/7)
                        "sla_due_at": created + timedelta(minutes=480)
                        if status in ("new", "open")
                        else None,
                    }
                )
                messages.append(
                    {
                        "ticket_id": i + 1,
                        "direction": "in",
                        "channel": "email",
                        "is_internal": False,
                        "spoof_suspected": False,
                        "body_text": f"Hello, problem number {i} with my router",
                        "created_at": created,
                    }
                )
            db.session.execute(insert(Ticket), rows)
            db.session.execute(insert(Message), messages)
            db.session.commit()
            print(f"  seeded {min(first + batch, tickets):>9,} tickets", end="\r", flush=True)
    print()
    return time.perf_counter() - started


def fill_due_times(backend: str) -> None:
    """A database seeded before migration 1708: due times as the SLA check would set them."""
    plus = (
        "datetime(created_at, '+480 minutes')"
        if backend == "sqlite"
        else "created_at + interval '480 minutes'"
    )
    db.session.execute(
        db.text(
            f"UPDATE tickets SET sla_due_at = {plus} "  # noqa: S608 - two constant expressions
            "WHERE status IN ('new', 'open') AND sla_due_at IS NULL"
        )
    )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    app, backend = bench_app("queue", WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False)
    with app.app_context():
        existing = db.session.scalar(select(func.count()).select_from(Ticket))
        upsert_agent("bench@example.test", "bench-password-123", role="admin")
        db.session.commit()
    if existing < args.tickets:
        print(f"seeding {args.tickets - existing:,} tickets …")
        print(f"seeded in {seed(app, args.tickets - existing):.0f} s")
    with app.app_context():
        fill_due_times(backend)
        settle(backend)
        active = db.session.scalar(
            select(func.count()).where(Ticket.status.in_(("new", "open", "waiting")))
        )
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.test", "password": "bench-password-123"})
    assert client.get("/agent/").status_code == 200
    rng = random.Random(5)
    pages = {
        "queue page 1": lambda: "/agent/",
        "queue page 5": lambda: "/agent/?page=5",
        "queue, unassigned": lambda: "/agent/?scope=unassigned",
        # every ticket needing work is long overdue here: the worst case of the header count
        "queue, overdue": lambda: "/agent/?overdue=1",
        "search reference": lambda: f"/agent/?q=HD-{100000 + rng.randrange(args.tickets)}",
        "search email": lambda: (
            f"/agent/?q=customer{rng.randrange(args.tickets // 5)}@example.test"
        ),
        "search phone": lambda: f"/agent/?q=070{rng.randrange(args.tickets // 5):07d}",
        "search words": lambda: f"/agent/?q=problem number {rng.randrange(args.tickets)}",
        # Names as agents type them, any case, å/ä/ö included (first name or surname).
        "search name": lambda: (
            "/agent/?q="
            + rng.choice(["anna", "KARIN", "sjöberg", "SJÖB", "Holm", "maria l", "OLOF"])
        ),
    }
    load = load_average()
    print(
        f"database        {backend}, {max(existing, args.tickets):,} tickets ({active:,} need work)"
    )
    for label, make in pages.items():
        count = (
            args.requests if not label.startswith("search words") else max(args.requests // 2, 10)
        )
        timings, response = time_requests(client, make, count, warmup=10)
        rows = len(re.findall(r"data-row", response.get_data(as_text=True)))
        print(f"{timing_line(label, timings, 20)}  ({rows} rows on the last page)")
    print(f"load average    {load} → {load_average()}")


if __name__ == "__main__":
    main()
