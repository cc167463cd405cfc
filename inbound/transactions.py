"""One real transaction for a batch of mails, on SQLite too.

pysqlite opens a transaction only before the first INSERT/UPDATE/DELETE. A batch that starts
with a SAVEPOINT (one per mail) therefore has no outer transaction on SQLite: the SAVEPOINT
starts one, and its RELEASE commits it — each mail would be committed on its own, before the
batch's COMMIT, and a failed COMMIT could no longer take the batch back. Taking the write
lock first (BEGIN IMMEDIATE; waits busy_timeout like any writer) makes the savepoints nest
inside one transaction that only COMMIT ends. PostgreSQL needs nothing: the session's BEGIN
is real there.
"""

from __future__ import annotations

from app.domain import read_once
from app.extensions import db


def begin_batch() -> None:
    """Call first in a fresh session, before any savepoint; `end_batch` when done."""
    read_once.start_batch()  # the assignment mode and webhooks: read once for the batch
    if db.session.get_bind().dialect.name != "sqlite":
        return
    connection = db.session.connection()
    if not connection.connection.driver_connection.in_transaction:  # (joined an outer one)
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def end_batch() -> None:
    read_once.end_batch()
