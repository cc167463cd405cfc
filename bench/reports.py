"""The manager report at scale: seed N tickets over two years (resolved, answered, assigned,
with callbacks and survey answers), then time a 30-day report through HTTP (page and CSV).

    .venv/bin/python bench/reports.py [--tickets 1000000] [--requests 50]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/reports.py

Set DATABASE_URL to a file (sqlite:////tmp/reports.sqlite3) to seed once and re-run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/

from sqlalchemy import func, insert, select  # noqa: E402

from app.domain.agents import upsert_agent  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Agent,
    CallbackRequest,
    Customer,
    SatisfactionSurvey,
    Ticket,
)
from bench._common import (  # noqa: E402
    bench_app,
    load_average,
    settle,
    time_requests,
    timing_line,
)

CHANNELS = ["email", "email", "email", "sms", "voice", "web"]
PRIORITIES = [0, 1, 1, 1, 2, 3]
TARGETS = {0: (960, 4800), 1: (480, 2400), 2: (120, 960), 3: (30, 480)}  # the defaults


def seed(app, tickets: int, end: datetime, batch: int = 20000) -> float:
    rng = random.Random(7)
    customers = max(tickets // 5, 1)
    start = end - timedelta(days=730)
    step = (end - start) / tickets
    started = time.perf_counter()
    with app.app_context():
        agents = [
            upsert_agent(f"agent{i}@example.test", "bench-password-123", name=f"Agent {i}").id
            for i in range(10)
        ]
        db.session.commit()
        for first in range(0, customers, batch):
            db.session.execute(
                insert(Customer),
                [
                    {
                        "name": f"Customer {i}",
                        "email": f"c{i}@example.test",
                        "language": "sv",
                        "sms_opted_out": False,
                        "created_at": start,
                    }
                    for i in range(first, min(first + batch, customers))
                ],
            )
        db.session.commit()
        for first in range(0, tickets, batch):
            rows, callbacks, answers = [], [], []
            for i in range(first, min(first + batch, tickets)):
                created = start + step * i
                resolved = rng.random() < 0.93
                priority = rng.choice(PRIORITIES)
                target = TARGETS[priority]
                # Outcomes as the domain records them (business minutes, met or missed).
                first_minutes = float(rng.randint(5, 600))
                resolution_minutes = float(rng.randint(60, 5760)) if resolved else None
                rows.append(
                    {
                        "id": i + 1,
                        "reference": f"HD-{100000 + i}",
                        "subject": "Bench",
                        "status": "closed" if resolved else "open",
                        "priority": priority,
                        "channel": rng.choice(CHANNELS),
                        "customer_id": 1 + i % customers,
                        "assignee_id": rng.choice(agents),
                        "language": "sv",
                        "created_at": created,
                        "updated_at": created,
                        "first_response_at": created + timedelta(minutes=rng.randint(5, 600)),
                        "resolved_at": created + timedelta(hours=rng.randint(1, 96))
                        if resolved
                        else None,
                        "first_response_minutes": first_minutes,
                        "first_response_met": first_minutes <= target[0],
                        "resolution_minutes": resolution_minutes,
                        "resolution_met": resolution_minutes <= target[1] if resolved else None,
                        "version": 1,
                    }
                )
                if i % 20 == 0:
                    reached = rng.random() < 0.7
                    waited = float(rng.randint(5, 300))
                    callbacks.append(
                        {
                            "ticket_id": i + 1,
                            "customer_id": 1 + i % customers,
                            "phone": "+46700000000",
                            "window": "asap",
                            "window_start": created,
                            "source": "web",
                            "status": "completed" if reached else "no_answer",
                            "attempts": rng.randint(1, 3),
                            "due_at": created + timedelta(minutes=120),
                            "reached_at": created + timedelta(minutes=waited) if reached else None,
                            "answer_minutes": waited if reached else None,
                            "sla_met": waited <= 120 if reached else None,
                            "created_at": created,
                            "updated_at": created,
                        }
                    )
                if resolved and i % 10 == 0:
                    answers.append(
                        {
                            "ticket_id": i + 1,
                            "customer_id": 1 + i % customers,
                            "agent_id": rows[-1]["assignee_id"],
                            "channel": "email",
                            "language": "sv",
                            "sent_at": rows[-1]["resolved_at"],
                            "score": rng.choice([1, 1, 2, 3, None]),
                        }
                    )
            db.session.execute(insert(Ticket), rows)
            db.session.execute(insert(CallbackRequest), callbacks)
            db.session.execute(insert(SatisfactionSurvey), answers)
            db.session.commit()
            print(f"  seeded {min(first + batch, tickets):>9,} tickets", end="\r", flush=True)
    print()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    app, backend = bench_app("reports", WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False)
    end = datetime.now().replace(microsecond=0)
    with app.app_context():
        existing = db.session.scalar(select(func.count()).select_from(Ticket))
        upsert_agent("boss@example.test", "bench-password-123", role="admin", name="Boss")
        db.session.commit()
    if existing < args.tickets:
        print(f"seeding {args.tickets - existing:,} tickets …")
        print(f"seeded in {seed(app, args.tickets - existing, end):.0f} s")
    with app.app_context():
        settle(backend)
        agents = db.session.scalar(select(func.count()).select_from(Agent))
    client = app.test_client()
    client.post("/login", data={"email": "boss@example.test", "password": "bench-password-123"})
    today = datetime.now().date()
    print(f"database        {backend}, {max(existing, args.tickets):,} tickets, {agents} agents")
    for label, days, suffix in (
        ("30-day report", 30, ""),
        ("30-day CSV", 30, ".csv"),
        ("92-day report", 92, ""),
    ):
        path = f"/agent/admin/reports{suffix}?from={(today - timedelta(days=days - 1))}&to={today}"
        load = load_average()
        timings, _ = time_requests(client, lambda path=path: path, args.requests)
        print(f"{timing_line(label, timings)}  (load average {load} → {load_average()})")


if __name__ == "__main__":
    main()
