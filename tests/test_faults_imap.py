"""Mailbox intake under faults, against the real Dovecot: restarts, cut connections,
a new UIDVALIDITY, a 30 MB message and a 10,000-message mailbox on first start."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import replace
from email import policy
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ImapReceipt, Message, Ticket
from inbound.imap import MailboxFetcher
from tests import support
from tests.email_support import build_mail

pytestmark = [pytest.mark.fault, pytest.mark.slow]


def raw(n: int, to: str) -> bytes:
    return build_mail(subject=f"Fault {n}", to=to, message_id=f"<imapfault-{n}-{to}>").as_bytes(
        policy=policy.SMTP
    )


def fill(dovecot, user: str, count: int, start: int = 0) -> None:
    """MULTIAPPEND in batches: a big mailbox quickly, still through IMAP."""
    with dovecot.client(user) as imap:
        for begin in range(start, start + count, 500):
            imap.multiappend(
                "INBOX", [raw(n, user) for n in range(begin, min(begin + 500, start + count))]
            )


def tickets(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(Ticket))
        finally:
            db.session.remove()


def inbox(dovecot, user: str) -> int:
    with dovecot.client(user) as imap:
        return imap.select_folder("INBOX", readonly=True)[b"EXISTS"]


def run_until(app, fetcher, predicate, timeout: float) -> None:
    thread = threading.Thread(target=fetcher.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not predicate():
            time.sleep(0.1)
    finally:
        fetcher.stop.set()
        thread.join(30)
    assert not thread.is_alive()


def assert_exactly_once(app, total: int) -> None:
    with app.app_context():
        subjects = db.session.scalars(select(Ticket.subject)).all()
        assert len(subjects) == total and len(set(subjects)) == total
        assert db.session.scalar(select(func.count()).select_from(Message)) == total


def test_imap_server_restarts_mid_fetch(app, dovecot, mailbox):
    app.config.update(IMAP_BACKOFF_MAX_SECONDS=1, IMAP_BATCH=20)
    fill(dovecot, mailbox.username, 400)
    fetcher = MailboxFetcher(app, mailbox)
    thread = threading.Thread(target=fetcher.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while tickets(app) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        dovecot.restart()  # every connection dies mid-batch
        deadline = time.monotonic() + 120
        while tickets(app) < 400 and time.monotonic() < deadline:
            time.sleep(0.2)
        while inbox(dovecot, mailbox.username) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        fetcher.stop.set()
        thread.join(30)
    assert_exactly_once(app, 400)
    assert inbox(dovecot, mailbox.username) == 0


def test_connection_drops_after_commit_before_mark(app, dovecot, mailbox):
    app.config.update(IMAP_BACKOFF_MAX_SECONDS=1, IMAP_BATCH=10)
    fill(dovecot, mailbox.username, 60)
    proxy = support.TcpProxy("127.0.0.1", dovecot.port)
    proxy.start()
    cuts = []

    def cut_sometimes(uid: int) -> None:
        if uid % 17 == 0:  # after this commit, before the batch is moved
            cuts.append(uid)
            proxy.cut()
            threading.Timer(0.3, proxy.restore).start()

    fetcher = MailboxFetcher(app, replace(mailbox, port=proxy.port), on_commit=cut_sometimes)
    run_until(
        app,
        fetcher,
        lambda: tickets(app) == 60 and inbox(dovecot, mailbox.username) == 0,
        timeout=90,
    )
    assert len(cuts) >= 3
    assert_exactly_once(app, 60)
    assert inbox(dovecot, mailbox.username) == 0
    proxy.cut()


def test_uidvalidity_change_never_duplicates_or_skips(app, dovecot, mailbox):
    app.config["IMAP_BATCH"] = 5  # one transaction per 5: the crash leaves 5 committed
    fill(dovecot, mailbox.username, 8)
    commits = []

    def crash_after_five(uid: int) -> None:
        commits.append(uid)
        if len(commits) == 5:
            raise ConnectionResetError("fetcher killed before it marked anything")

    fetcher = MailboxFetcher(app, mailbox, on_commit=crash_after_five)
    fetcher.open()
    with pytest.raises(ConnectionResetError):
        fetcher.drain()
    fetcher.close()
    old = fetcher.uidvalidity
    assert tickets(app) == 5 and inbox(dovecot, mailbox.username) == 8
    # the server rebuilds its index (a migration, a restored backup): every UID is new
    subprocess.run(
        [
            "doveadm",
            "-c",
            str(dovecot.config),
            "mailbox",
            "update",
            "-u",
            mailbox.username,
            "--uid-validity",
            str(old + 1000),
            "INBOX",
        ],
        check=True,
        capture_output=True,
    )
    fetcher = MailboxFetcher(app, mailbox)
    fetcher.open()
    try:
        assert fetcher.uidvalidity == old + 1000
        done = fetcher.drain()
    finally:
        fetcher.close()
    assert (done.imported, done.marked) == (3, 8)
    assert_exactly_once(app, 8)
    assert inbox(dovecot, mailbox.username) == 0
    with app.app_context():
        generations = set(db.session.scalars(select(ImapReceipt.uidvalidity)))
    assert generations == {old, old + 1000}


def test_a_30_mb_message_is_imported_with_the_attachment_set_aside(app, dovecot, mailbox):
    big = EmailMessage()
    big["From"] = "Anna Berg <anna@example.test>"
    big["To"] = mailbox.username
    big["Subject"] = "Scanned contract"
    big["Message-ID"] = "<big-30mb@example.test>"
    big.set_content("Here is the whole contract, scanned.")
    big.add_attachment(b"\x00\xff" * (11 * 1024 * 1024), maintype="application", subtype="pdf")
    data = big.as_bytes(policy=policy.SMTP)
    assert len(data) > 30 * 1000 * 1000
    dovecot.append(mailbox.username, data)
    dovecot.append(mailbox.username, raw(1, mailbox.username))
    started = time.monotonic()
    fetcher = MailboxFetcher(app, mailbox)
    fetcher.open()
    try:
        done = fetcher.drain()
    finally:
        fetcher.close()
    assert done.imported == 2, done
    assert time.monotonic() - started < 60
    with app.app_context():
        message = db.session.scalar(
            select(Message).where(Message.email_message_id == "<big-30mb@example.test>")
        )
        assert message.body_text.startswith("Here is the whole contract")
        assert message.meta["attachments_skipped"][0]["size"] == 22 * 1024 * 1024


def test_a_10000_message_mailbox_on_first_start(app, dovecot, mailbox):
    total = 10_000
    fill(dovecot, mailbox.username, total)
    started = time.monotonic()
    fetcher = MailboxFetcher(app, mailbox)
    fetcher.open()
    try:
        done = fetcher.drain()
    finally:
        fetcher.close()
    elapsed = time.monotonic() - started
    assert done.imported == total
    assert tickets(app) == total
    assert inbox(dovecot, mailbox.username) == 0
    print(f"10,000-message backlog: {total / elapsed:.0f} messages/s")
