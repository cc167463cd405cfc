"""An app context for jobs: RQ jobs have no request, so they build the app themselves."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context

from app.extensions import db

_app: Flask | None = None
_app_pid: int | None = None


def job_app() -> Flask:
    """The process's app; after a fork, drop pooled DB connections inherited from the parent."""
    global _app, _app_pid
    if _app is None:
        from app import create_app  # noqa: PLC0415  (the CLI imports this module: a top-level import would be a cycle)

        _app = create_app()
        _app_pid = os.getpid()
    elif _app_pid != os.getpid():
        with _app.app_context():
            db.engine.dispose(close=False)
        _app_pid = os.getpid()
    return _app


def use_app(app: Flask) -> None:
    """Let tests and the worker command share their already-built app with jobs."""
    global _app, _app_pid
    _app, _app_pid = app, os.getpid()


@contextmanager
def app_context() -> Iterator[Flask]:
    if has_app_context():
        yield current_app._get_current_object()
        return
    app = job_app()
    with app.app_context():
        yield app
