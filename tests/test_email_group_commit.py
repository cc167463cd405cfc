"""Group commit over real SMTP: mails arriving together share one transaction, and still
every 250 means "committed", a failed COMMIT means 451 for all of them (nothing stored), a
mail the database refuses gets its own 451 while the others are kept, and duplicates sent
at the same moment are stored once."""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from email import policy

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Message
from inbound.server import HelpdeskController
from tests import support
from tests.email_support import build_mail

# The SMTP server's committer threads read and write the database on their own connections.
pytestmark = pytest.mark.real_commits


@pytest.fixture
def batching_server(app, dns):
    """A server whose committer waits (up to 5 s) until four mails are there: the four mails a
    test sends together share one batch (one committer, also on PostgreSQL)."""
    app.config["INBOUND_COMMIT_WINDOW_MS"] = 5000
    app.config["INBOUND_COMMIT_BATCH"] = 4
    app.config["INBOUND_COMMITTERS"] = 1
    controller = HelpdeskController(app, host="127.0.0.1", port=support.free_port(), txt_lookup=dns)
    controller.start()
    yield controller
    controller.stop()


class Commits:
    """Counts COMMITs on the engine; while `failing`, makes them fail like a sick disk."""

    def __init__(self, app) -> None:
        with app.app_context():
            self.engine = db.engine
        self.count = 0
        self.failing = False
        event.listen(self.engine, "commit", self.on_commit)

    def on_commit(self, connection) -> None:
        self.count += 1
        if self.failing:
            raise OperationalError("COMMIT", {}, Exception("disk I/O error (injected)"))

    def close(self) -> None:
        event.remove(self.engine, "commit", self.on_commit)


@pytest.fixture
def commits(app):
    counter = Commits(app)
    yield counter
    counter.close()


def send_together(port: int, mails: list) -> list[tuple[int, str]]:
    """Each mail on its own connection; all DATA commands at the same moment."""
    barrier = threading.Barrier(len(mails))
    replies: list[tuple[int, str] | None] = [None] * len(mails)

    def one(i: int, mail) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
            smtp.ehlo("client.example.test")
            smtp.mail("anna@example.test")
            smtp.rcpt("support@helpdesk.test")
            barrier.wait()
            try:
                code, reply = smtp.data(mail.as_bytes(policy=policy.SMTP))
            except smtplib.SMTPResponseException as error:
                code, reply = error.smtp_code, error.smtp_error
            replies[i] = (code, reply.decode())

    threads = [threading.Thread(target=one, args=(i, m)) for i, m in enumerate(mails)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def stored(app, mails) -> int:
    ids = [m["Message-ID"] for m in mails]
    with app.app_context():
        try:
            return db.session.scalar(
                select(func.count()).select_from(Message).where(Message.email_message_id.in_(ids))
            )
        finally:
            db.session.remove()


def _mails(count: int, **kwargs) -> list:
    return [
        build_mail(sender=f"Customer {i} <batch{i}@example.test>", subject=f"Problem {i}", **kwargs)
        for i in range(count)
    ]


def test_a_failed_commit_answers_451_to_the_whole_batch_and_stores_none(
    app, batching_server, commits
):
    mails = _mails(4)
    commits.failing = True
    commits.count = 0
    replies = send_together(batching_server.port, mails)
    commits.failing = False
    assert [code for code, _ in replies] == [451] * 4, replies
    assert commits.count == 1  # the four shared ONE commit, and it failed
    assert stored(app, mails) == 0  # no 250 was given, and nothing is half-stored

    # The senders retry (as MTAs do): now it works, each mail once.
    commits.count = 0
    replies = send_together(batching_server.port, mails)
    assert [code for code, _ in replies] == [250] * 4, replies
    assert all("ticket HD-" in reply for _, reply in replies)
    assert commits.count == 1
    assert stored(app, mails) == 4


@pytest.fixture
def poison_trigger(app):
    """The database refuses any message whose text says POISON (as a constraint would)."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(
                text(
                    "CREATE TRIGGER poison_i19 BEFORE INSERT ON messages "
                    "WHEN NEW.body_text LIKE '%POISON%' "
                    "BEGIN SELECT RAISE(ABORT, 'poisoned mail'); END"
                )
            )
        else:
            db.session.execute(
                text(
                    "CREATE FUNCTION poison_i19() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.body_text LIKE '%POISON%' THEN RAISE EXCEPTION 'poisoned mail'; "
                    "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            db.session.execute(
                text(
                    "CREATE TRIGGER poison_i19 BEFORE INSERT ON messages "
                    "FOR EACH ROW EXECUTE FUNCTION poison_i19()"
                )
            )
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(text("DROP TRIGGER poison_i19" + ("" if _sqlite() else " ON messages")))
        if not _sqlite():
            db.session.execute(text("DROP FUNCTION poison_i19()"))
        db.session.commit()


def _sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def test_a_mail_the_database_refuses_gets_its_own_451_and_the_batch_is_kept(
    app, batching_server, commits, poison_trigger
):
    good = _mails(3)
    bad = build_mail(sender="Mallory <mallory@example.test>", body="POISON in the text")
    commits.count = 0
    replies = send_together(batching_server.port, [*good[:2], bad, good[2]])
    codes = [code for code, _ in replies]
    assert codes == [250, 250, 451, 250], replies
    assert commits.count == 1  # one transaction; the bad mail's savepoint was rolled back
    assert stored(app, good) == 3
    assert stored(app, [bad]) == 0
    with app.app_context():
        customers = db.session.scalar(
            text("SELECT count(*) FROM customers WHERE email = 'mallory@example.test'")
        )
    assert customers == 0  # nothing of the refused mail remains, not even its customer


@pytest.mark.parametrize("window_ms", [400, 0])
def test_the_same_mail_sent_five_times_at_once_is_stored_once(app, dns, window_ms):
    """In one batch (400 ms window) or in several (no window; several committers on
    PostgreSQL): one message, and every copy is told the same ticket."""
    app.config["INBOUND_COMMIT_WINDOW_MS"] = window_ms
    controller = HelpdeskController(app, host="127.0.0.1", port=support.free_port(), txt_lookup=dns)
    controller.start()
    try:
        mail = build_mail(sender="Sara Ek <sara@example.test>", subject="Sent five times")
        replies = send_together(controller.port, [mail] * 5)
    finally:
        controller.stop()
    assert [code for code, _ in replies] == [250] * 5, replies
    references = {reply.split()[-1] for _, reply in replies}
    assert len(references) == 1 and references.pop().startswith("HD-")
    assert stored(app, [mail]) == 1


def test_a_sender_hanging_up_while_its_batch_waits_does_not_stop_intake(app, batching_server):
    """The mail is in a batch waiting for its commit when the sender hangs up: its wait is
    cancelled. The committer must go on answering everybody else (it used to die on the
    cancelled wait, and every later mail waited for ever)."""
    port = batching_server.port
    raw = build_mail(sender="Hanna <hanna@example.test>", subject="Hung up").as_bytes(
        policy=policy.SMTP
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        reader = sock.makefile("rb")
        reader.readline()  # greeting
        for command in (b"EHLO client.example.test", b"MAIL FROM:<hanna@example.test>"):
            sock.sendall(command + b"\r\n")
            while reader.readline()[3:4] == b"-":
                pass
        sock.sendall(b"RCPT TO:<support@helpdesk.test>\r\nDATA\r\n")
        reader.readline()
        reader.readline()
        sock.sendall(raw + b"\r\n.\r\n")
        time.sleep(0.3)  # the mail waits in its batch (window 5 s, batch of 4)
        sock.shutdown(socket.SHUT_RDWR)  # hang up (the makefile would keep the socket open)
        reader.close()
    replies = send_together(
        port,
        [
            build_mail(sender=f"Next {i} <next{i}@example.test>", subject=f"After {i}")
            for i in range(3)
        ],
    )
    assert [code for code, _ in replies] == [250, 250, 250]
    replies = send_together(port, [build_mail(sender="Late <late@example.test>", subject="Later")])
    assert replies[0][0] == 250
    with app.app_context():
        subjects = set(db.session.scalars(select(Message.subject)))
    assert {"After 0", "After 1", "After 2", "Later"} <= subjects
