"""Shared by the benchmark scripts: a migrated app on SQLite (temp) or DATABASE_URL."""

from __future__ import annotations

import os
import tempfile

from flask_migrate import upgrade

from app import create_app


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of durations in seconds, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


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
