"""Shared by the benchmark scripts: a migrated app on SQLite (temp) or DATABASE_URL."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable

from flask_migrate import upgrade

from app import create_app
from app.extensions import db


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of durations in seconds, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def time_requests(client, make_path: Callable[[], str], count: int, warmup: int = 3):
    """GET `count` paths from `make_path()` after `warmup` untimed ones; every answer must
    be 200. Returns (durations in seconds, the last response)."""
    for _ in range(warmup):
        assert client.get(make_path()).status_code == 200
    timings, response = [], None
    for _ in range(count):
        path = make_path()
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return timings, response


def timing_line(label: str, timings: list[float], width: int = 15) -> str:
    """`label  N requests  p50 … ms  p99 … ms`, the line every benchmark prints."""
    return (
        f"{label:{width}} {len(timings):4} requests  p50 {percentile(timings, 0.5):6.1f} ms  "
        f"p99 {percentile(timings, 0.99):6.1f} ms"
    )


def load_average() -> str:
    """The 1-minute load average, printed with the figures (the machine is shared)."""
    return f"{os.getloadavg()[0]:.1f}"


def settle(backend: str) -> None:
    """After bulk seeding: fresh planner statistics, and on PostgreSQL a VACUUM so index-only
    scans can skip the heap (what autovacuum does for a real database)."""
    if backend == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def bench_app(prefix: str, **config):
    """A migrated app; SQLite in a fresh temp dir unless DATABASE_URL names another database."""

    data_dir = tempfile.mkdtemp(prefix=f"bench-{prefix}-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir}/{prefix}.sqlite3"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "DATA_DIR": data_dir,
            "ATTACHMENT_DIR": f"{data_dir}/attachments",
            "LOG_LEVEL": "WARNING",
            **config,
        }
    )
    with app.app_context():
        upgrade()
    return app, url.split(":", 1)[0].split("+")[0]
