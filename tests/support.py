"""Helpers shared by tests (not fixtures): config, cleanup, login, a mail sink, RQ runs."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import SimpleWorker
from sqlalchemy import delete, event
from sqlalchemy.engine import Connection
from twilio.request_validator import RequestValidator

from app.adapters.rq_relay import redis_connection, relay_once, rq_queue
from app.domain import settings, tags
from app.extensions import db
from app.models import Ticket


class IsolatedClient(FlaskClient):
    """Each request gets a fresh app context (own `g` and DB session), as in production,
    even when the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_config(database_url: str, data_dir: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-1234",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATA_DIR": str(data_dir),
        "ATTACHMENT_DIR": str(Path(data_dir) / "attachments"),
        "SESSION_COOKIE_SECURE": False,
        "JOB_RETRY_INTERVALS": [0, 0],
        "TWILIO_AUTH_TOKEN": "test-auth-token",
        "SERVER_NAME": None,
        "BUSINESS_COUNTRY": "none",  # no public holidays in tests unless a test asks
    }


def wipe_database() -> None:

    settings.clear_cache()
    tags.forget_popular()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    db.session.commit()


# Fixtures whose threads or processes use their own database connections: a test that uses
# one of them commits for real (and the database is wiped around it) instead of rolling back.
REAL_COMMIT_FIXTURES = {"smtp_server", "live_server", "stack", "postfix", "dovecot"}
_bound: dict[str, Connection | None] = {"connection": None}
_fsa_get_bind = FlaskSession.get_bind


def _get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
    """While a test runs inside `rolled_back`, every session uses its one connection."""
    if bind is None and _bound["connection"] is not None:
        return _bound["connection"]
    return _fsa_get_bind(self, mapper=mapper, clause=clause, bind=bind, **kwargs)


FlaskSession.get_bind = _get_bind


def needs_real_commits(request) -> bool:
    return bool(REAL_COMMIT_FIXTURES & set(request.fixturenames)) or bool(
        request.node.get_closest_marker("real_commits")
    )


def _sqlite_real_transactions(engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT (a RELEASE would commit): let
    SQLAlchemy emit BEGIN itself (the recipe in SQLAlchemy's SQLite dialect notes)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")


@contextlib.contextmanager
def rolled_back(app):
    """Run the test inside one outer transaction that is rolled back at the end: every
    session (each request's, each job's) joins it through a SAVEPOINT, so commits in the
    code under test are real to that code and gone afterwards. Faster than wiping tables."""
    settings.clear_cache()
    with app.app_context():
        engine = db.engine
        _sqlite_real_transactions(engine)
        connection = engine.connect()
    outer = connection.begin()
    factory = db.session.session_factory
    saved = dict(factory.kw)
    factory.configure(join_transaction_mode="create_savepoint")
    _bound["connection"] = connection
    try:
        yield
    finally:
        _bound["connection"] = None
        factory.kw.clear()
        factory.kw.update(saved)
        with app.app_context():
            db.session.remove()
        outer.rollback()
        connection.close()
        engine.dispose()
        settings.clear_cache()


def always_open() -> None:
    """Tests run at any hour and on any day: open round the clock, no public holidays,
    unless a test sets its own hours (tests/test_hours.py does)."""
    settings.put("business_hours", {"open": 0, "close": 24, "days": list(range(7))})
    db.session.commit()


def delete_queue_keys(redis_url: str, queue_name: str) -> None:
    """Drop this test's RQ keys. A test that never used Redis passes without one running."""
    connection = Redis.from_url(redis_url, socket_connect_timeout=1)
    try:
        keys = list(connection.scan_iter(f"*{queue_name}*", count=500))
        if keys:
            connection.delete(*keys)
    except RedisConnectionError:
        return
    finally:
        connection.close()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def post_on_ticket(client, app, ticket_id: int, action: str, **fields):
    """Send one of the ticket page's forms as an agent's browser does: the page's CSRF token
    and the ticket's current version (every change bumps it), plus the form's own fields."""
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(Ticket, ticket_id).version
    return client.post(
        f"/agent/tickets/{ticket_id}/{action}",
        data={"csrf_token": csrf_token(page), "version": version, **fields},
    )


def login(client, email: str, password: str):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
    )


def run_jobs(app) -> int:
    """Relay the outbox to the real Redis and run the queue to empty in this process."""

    with app.app_context():
        relay_once()
        connection = redis_connection()
        queue = rq_queue(connection)
        worker = SimpleWorker([queue], connection=connection)
        worker.work(burst=True)
        return len(queue)


class _SinkHandler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.sink.messages.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "message": message,
            }
        )
        if self.sink.delay:  # a slow relay: the message is in, the 250 is not said yet
            await asyncio.sleep(self.sink.delay)
        return "250 OK"


class MailSink:
    """The outgoing relay, stood in for by a real aiosmtpd server on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[dict] = []
        self.delay = 0.0
        self.controller = Controller(_SinkHandler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def last(self) -> EmailMessage:
        assert self.messages, "no mail was sent"
        return self.messages[-1]["message"]


class TcpProxy:
    """A TCP forwarder we can cut and restore, to make a real server 'go away' for a while."""

    def __init__(self, target_host: str, target_port: int) -> None:

        self.target = (target_host, target_port)
        self.port = free_port()
        self._threading = threading
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                self._threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Stop listening and drop every open connection: the server is 'down'."""
        if self._listener is not None:
            # shutdown() wakes the accept() thread; close() alone leaves the port listening.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()

    def restore(self) -> None:
        self.start()


def twilio_post(client, path: str, params: dict, token: str = "test-auth-token", signature=None):
    """POST a webhook exactly as Twilio would: form-encoded, signed over PUBLIC_BASE_URL + path."""

    url = client.application.config["PUBLIC_BASE_URL"] + path
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(path, data=params, headers=headers)
