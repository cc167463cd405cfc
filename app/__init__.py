"""Callback Helpdesk: the Flask application factory (built in `app.factory`)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def create_app(config: dict | None = None) -> Flask:
    """Build the app. The factory module imports every blueprint, so it is loaded only
    here: importing `app.domain` or `app.models` alone must not pull in the web layer."""
    from app.factory import create_app as build  # noqa: PLC0415  (see docstring)

    return build(config)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    """WAL lets readers and the one writer work at the same time; wait, don't fail, on locks."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Deleted rows are overwritten with zeros, not left in free pages (erasure, retention).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
