"""Test fixtures: an app on a fresh migrated database, a real Redis, a local mail sink.

The database is SQLite (a temp file) unless TEST_DATABASE_URL names a PostgreSQL server;
then a private database is created for this run and dropped at the end, so several runs
can share one server. Every test gets its own RQ queue name on the real Redis
(TEST_REDIS_URL, default redis://127.0.0.1:6379/15).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

import app.models.agent as agent_model
from app import create_app
from app.domain.agents import upsert_agent
from app.domain.mailboxes import MailboxConfig
from app.extensions import db
from inbound.server import HelpdeskController
from tests import support
from tests.email_support import StubDns
from tests.mailservers import DOVECOT, POSTFIX, Dovecot, MicrosoftStub, Postfix, TokenServer
from tests.twilio_stub import TwilioStub
from workers.context import use_app

ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT = 9  # discard: nothing listens, so a send that was not asked for fails loudly
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _compile_translations() -> None:

    for catalog in ROOT.glob("app/**/translations/*/LC_MESSAGES/messages.po"):
        mo = catalog.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < catalog.stat().st_mtime:
            with catalog.open("rb") as source, mo.open("wb") as target:
                write_mo(target, read_po(source))


@pytest.fixture(scope="session")
def compiled_translations() -> None:
    """The .mo files from the .po sources (tests that check Swedish text need them)."""
    _compile_translations()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    url = make_url(raw.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"hd_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated(database_url, tmp_path_factory) -> str:
    """Build the schema once per run with the real migrations (they are tested too)."""
    _compile_translations()

    app = create_app(support.test_config(database_url, tmp_path_factory.mktemp("data")))
    with app.app_context():
        upgrade()

        db.engine.dispose()
    return database_url


@pytest.fixture
def domain(tmp_path) -> Iterator[None]:
    """For pure domain tests: an app context on a database that is never opened, and nothing
    outside the process (no Redis, SMTP or Twilio). The rules run on transient objects; a
    test that flushes or queries needs `ctx` instead."""
    application = create_app(support.test_config(f"sqlite:///{tmp_path}/never-opened.db", tmp_path))
    with application.app_context():
        yield
        db.session.remove()


@pytest.fixture
def queue_name() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2 with production parameters (64 MB, 3 passes) costs a large share of the suite's
    time on a small machine; tests check we use argon2, not how expensive it is."""
    original = agent_model._hasher, agent_model.DUMMY_HASH
    agent_model._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    agent_model.DUMMY_HASH = agent_model._hasher.hash("not-a-real-password-0f3a")
    yield
    agent_model._hasher, agent_model.DUMMY_HASH = original


@pytest.fixture
def app(request, migrated, tmp_path, queue_name):
    """The app on the migrated test database. The outside world is opt-in: a test that names
    `mail_sink` or `twilio_stub` (or uses a fixture that does) gets the relay and Twilio
    pointed at them; otherwise both point at a closed port, so nothing is sent by accident."""

    config = support.test_config(migrated, tmp_path)
    config.update(
        REDIS_URL=TEST_REDIS_URL,
        RQ_QUEUE=queue_name,
        SMTP_RELAY_HOST="127.0.0.1",
        SMTP_RELAY_PORT=CLOSED_PORT,
        TWILIO_API_BASE_URL=f"http://127.0.0.1:{CLOSED_PORT}",
    )
    if {"mail_sink", "_mail_sink_server"} & set(request.fixturenames):
        config["SMTP_RELAY_PORT"] = request.getfixturevalue("_mail_sink_server").port
    if "twilio_stub" in request.fixturenames:
        config["TWILIO_API_BASE_URL"] = request.getfixturevalue("twilio_stub").base_url
    application = create_app(config)
    application.test_client_class = support.IsolatedClient
    use_app(application)
    if support.needs_real_commits(request):
        # Other threads or processes read the database: commit for real, wipe around.
        with application.app_context():
            support.wipe_database()
            support.always_open()
        yield application
        with application.app_context():
            db.session.remove()
            support.wipe_database()
            db.engine.dispose()
    else:
        with support.rolled_back(application):
            with application.app_context():
                support.always_open()
            yield application
    support.delete_queue_keys(TEST_REDIS_URL, queue_name)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An app context for tests that call the domain layer directly."""
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def _mail_sink_server() -> Iterator[support.MailSink]:
    sink = support.MailSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_sink(_mail_sink_server) -> support.MailSink:
    """A real SMTP server standing in for the outgoing relay; it keeps what it receives."""
    _mail_sink_server.messages.clear()
    _mail_sink_server.delay = 0.0
    return _mail_sink_server


@pytest.fixture(scope="session")
def _twilio_stub_server() -> Iterator[TwilioStub]:
    stub = TwilioStub()
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture
def twilio_stub(_twilio_stub_server) -> TwilioStub:
    """A local stand-in for Twilio's REST API; the real twilio client talks to it."""
    _twilio_stub_server.requests.clear()
    _twilio_stub_server.fail_next.clear()
    _twilio_stub_server.recordings.clear()
    return _twilio_stub_server


@pytest.fixture
def make_agent(app):
    def factory(
        email: str = "agent@example.test",
        password: str = "correct-horse-battery",
        role: str = "agent",
        name: str | None = None,
    ):

        with app.app_context():
            agent = upsert_agent(email, password, role=role, name=name)
            db.session.commit()
            return agent.id

    return factory


@pytest.fixture
def logged_in(client, make_agent):
    """A test client logged in as an agent; returns (client, agent_id)."""
    agent_id = make_agent()
    support.login(client, "agent@example.test", "correct-horse-battery")
    return client, agent_id


@pytest.fixture
def dns():

    return StubDns()


@pytest.fixture
def smtp_server(app, dns):
    """Our real SMTP server on a free port, in this process, with stub DNS."""

    controller = HelpdeskController(app, host="127.0.0.1", port=support.free_port(), txt_lookup=dns)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free port (for the browser tests)."""

    server = make_server("127.0.0.1", support.free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (no browser download)."""

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), headless=True
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


# --- real mail servers (issue 16): a private Dovecot and a private Postfix ----------------


@pytest.fixture(scope="session")
def token_server():
    """OAuth2 endpoints: token introspection for Dovecot, a Google-style token endpoint."""
    server = TokenServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def microsoft(token_server, tmp_path_factory):
    """A local stand-in for login.microsoftonline.com (HTTPS) that msal talks to."""
    stub = MicrosoftStub(token_server, tmp_path_factory.mktemp("microsoft"))
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture(scope="session")
def dovecot(token_server):
    """Debian's Dovecot on a free port with a throwaway Maildir store (installed by setup)."""
    if not os.path.exists(DOVECOT):
        pytest.fail("Dovecot is missing: run scripts/setup.sh (it installs dovecot-imapd)")
    server = Dovecot(token_server)
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def mailbox(app, dovecot):
    """A fresh account on the Dovecot with its MailboxConfig (plain IMAP: a local server)."""
    user = f"support-{uuid.uuid4().hex[:8]}@helpdesk.test"
    dovecot.add_user(user, "mailbox-password-1")
    with app.app_context():
        config = MailboxConfig(
            name=user.split("@")[0],
            host="127.0.0.1",
            port=dovecot.port,
            security="plain",
            username=user,
            password="mailbox-password-1",
        ).validate()
    return config


@pytest.fixture(scope="session")
def postfix_lmtp_port() -> int:
    """Where the session's Postfix delivers: our LMTP server listens here during a test."""
    return support.free_port()


@pytest.fixture(scope="session")
def postfix(postfix_lmtp_port, _mail_sink_server, dovecot):
    """Debian's Postfix with a private config dir, relaying to our LMTP server (root only)."""
    if not os.path.exists(POSTFIX):
        pytest.fail("Postfix is missing: run scripts/setup.sh (it installs postfix)")
    if os.geteuid() != 0:
        pytest.skip("Postfix runs its daemons as root (CI does)")
    Postfix.stop_orphans()
    server = Postfix(
        domain="helpdesk.test",
        lmtp_port=postfix_lmtp_port,
        authserv_id="mx.helpdesk.test",
        relay_port=_mail_sink_server.port,
        sasl_socket=dovecot.auth_socket,
        tls_files=(dovecot.ca_file, dovecot.ca_file.with_name("key.pem")),
    )
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def lmtp_server(app, postfix_lmtp_port):
    """Our LMTP server behind Postfix, configured as the README says (trusted relay)."""
    app.config.update(INBOUND_AUTH="trusted-relay", INBOUND_AUTHSERV_ID="mx.helpdesk.test")

    class Restartable:
        """stop() and start() again, as a restarted `inbound serve --lmtp` process would."""

        controller = None

        def start(self):
            self.controller = HelpdeskController(
                app, host="127.0.0.1", port=postfix_lmtp_port, lmtp=True
            )
            self.controller.start()

        def stop(self):
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

    server = Restartable()
    server.start()
    yield server
    server.stop()
