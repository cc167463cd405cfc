"""Backup and restore of the database and the attachment store.

A backup is a directory: `database.sqlite3` (SQLite's online backup API, consistent while
the app runs) or `database.pgdump` (pg_dump custom format), `attachments.tar.gz`, and a
`manifest.json` with row counts so a restore can be checked.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.domain import settings
from app.extensions import db
from app.models import Customer, Message, Ticket

MANIFEST = "manifest.json"


def _counts() -> dict[str, int]:

    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Customer, Ticket, Message)
    }


def _libpq_url(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def create_backup(target: Path, database_uri: str, attachment_dir: Path) -> dict:
    """Write a consistent copy of the database and attachments into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(target / "database.sqlite3")
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
        kind = "sqlite"
    else:
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={target / 'database.pgdump'}",
                _libpq_url(url),
            ],
            check=True,
        )
        kind = "postgresql"
    with tarfile.open(target / "attachments.tar.gz", "w:gz") as archive:
        if attachment_dir.exists():
            archive.add(attachment_dir, arcname="attachments")
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "database": kind,
        "counts": _counts(),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def restore_backup(source: Path, database_uri: str, attachment_dir: Path) -> dict:
    """Replace the database and attachments with the backup in `source`; verify counts."""
    manifest = json.loads((source / MANIFEST).read_text())
    url = make_url(database_uri)
    db.session.remove()
    db.engine.dispose()
    if manifest["database"] == "sqlite":
        if url.get_backend_name() != "sqlite":
            raise ValueError("this backup is of a SQLite database; DATABASE_URL is not SQLite")
        backup = sqlite3.connect(source / "database.sqlite3")
        live = sqlite3.connect(url.database)
        with live:
            backup.backup(live)
        live.close()
        backup.close()
    else:
        if url.get_backend_name() != "postgresql":
            raise ValueError("this backup is of PostgreSQL; DATABASE_URL is not PostgreSQL")
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(url)}",
                str(source / "database.pgdump"),
            ],
            check=True,
        )
    if attachment_dir.exists():
        shutil.rmtree(attachment_dir)
    attachment_dir.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "attachments.tar.gz", "r:gz") as archive:
        archive.extractall(attachment_dir.parent, filter="data")

    settings.clear_cache()
    restored = _counts()
    if restored != manifest["counts"]:
        raise RuntimeError(f"restore check failed: expected {manifest['counts']}, got {restored}")
    return manifest
