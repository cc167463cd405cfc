"""A real Postfix in front of our LMTP server, configured as the README tells production."""

from __future__ import annotations

import json
import smtplib
import ssl
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.adapters import mailbox_account
from app.domain import mailboxes
from app.extensions import db
from app.models import Message, Ticket
from inbound import server as inbound_server
from inbound.imap import MailboxFetcher
from tests import support
from tests.email_support import build_mail


def submit(postfix, mail, to=("support@helpdesk.test",)) -> None:
    with smtplib.SMTP("127.0.0.1", postfix.port, timeout=10) as smtp:
        smtp.send_message(mail, from_addr="anna@example.test", to_addrs=list(to))


def tickets(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(Ticket))
        finally:
            db.session.remove()


def wait_for(predicate, timeout: float = 30, flush=None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if flush:
            flush()
        time.sleep(0.2)
    return predicate()


def test_mail_through_postfix_becomes_a_ticket(app, postfix, lmtp_server):
    mail = build_mail(subject="Through the MX")
    # a sender cannot vouch for itself with our MX's name: Postfix strips this (header_checks)
    mail["Authentication-Results"] = "mx.helpdesk.test; dmarc=pass header.from=example.test"
    submit(postfix, mail)
    assert wait_for(lambda: tickets(app) == 1), postfix.log_text()
    with app.app_context():
        message = db.session.scalars(select(Message)).one()
        assert message.ticket.subject == "Through the MX"
        assert message.auth_results.get("dmarc") != "pass"
        assert message.auth_results.get("source") in (None, "none")
    assert wait_for(postfix.queue_empty)


def test_several_recipients_are_delivered_one_per_transaction(app, postfix, lmtp_server):
    mail = build_mail(subject="Two of us")
    submit(postfix, mail, to=("support@helpdesk.test", "support+x@helpdesk.test"))
    assert wait_for(postfix.queue_empty, flush=postfix.flush), postfix.queue()
    assert "status=sent" in postfix.log_text()
    assert tickets(app) == 1  # the same Message-ID twice: stored once


def test_our_451_makes_postfix_queue_and_retry(app, postfix, lmtp_server, monkeypatch):
    real = inbound_server.receive_email
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(inbound_server, "receive_email", flaky)
    submit(postfix, build_mail(subject="Retry me"))
    assert wait_for(lambda: "deferred" in postfix.log_text() or "451" in postfix.log_text())
    assert tickets(app) == 0 or calls["n"] > 2
    assert wait_for(lambda: tickets(app) == 1, flush=postfix.flush), postfix.log_text()
    assert "451 4.3.0" in postfix.log_text()
    assert wait_for(postfix.queue_empty, flush=postfix.flush)


def test_nothing_lost_when_our_server_restarts_mid_stream(app, postfix, lmtp_server):
    total = 40

    def send_all():
        for n in range(total):
            submit(postfix, build_mail(subject=f"Stream {n}"))

    sender = threading.Thread(target=send_all)
    sender.start()
    assert wait_for(lambda: tickets(app) >= 5)
    lmtp_server.stop()  # mid-stream: Postfix's LMTP client gets connection refused/lost
    time.sleep(1.5)
    lmtp_server.start()
    sender.join(60)
    assert wait_for(lambda: tickets(app) == total, timeout=60, flush=postfix.flush), (
        tickets(app),
        postfix.queue(),
    )
    assert wait_for(postfix.queue_empty, flush=postfix.flush)
    with app.app_context():
        subjects = {t.subject for t in db.session.scalars(select(Ticket))}
    assert subjects == {f"Stream {n}" for n in range(total)}


def _sent_folder(dovecot, user: str) -> list[bytes]:
    with dovecot.client(user) as imap:
        if not imap.folder_exists("Sent"):
            return []
        imap.select_folder("Sent", readonly=True)
        data = imap.fetch(imap.search("ALL"), ["FLAGS", "BODY.PEEK[]"])
        return [(d[b"FLAGS"], d[b"BODY[]"]) for d in data.values()]


@pytest.mark.parametrize("auth", ["password", "google"])
def test_replies_leave_through_the_accounts_submission_server_with_a_sent_copy(
    app, postfix, dovecot, mailbox, mail_sink, token_server, auth
):
    settings = {
        "name": mailbox.name,
        "host": "127.0.0.1",
        "port": dovecot.port,
        "security": "plain",
        "username": mailbox.username,
        "password": mailbox.password,
        "smtp_host": "127.0.0.1",
        "smtp_port": postfix.submission_port,
        "smtp_security": "starttls",
        "ca_file": str(dovecot.ca_file),
    }
    if auth == "google":
        key = token_server.google_service_account(f"sa-{mailbox.name}@p.iam.gserviceaccount.com")
        settings.update(auth="google", password=json.dumps(key), token_url=token_server.token_url)
        settings.update(smtp_port=postfix.smtps_port, smtp_security="tls")  # implicit TLS
    app.config["IMAP_MAILBOXES"] = json.dumps([settings])
    dovecot.append(mailbox.username, build_mail(to=mailbox.username).as_bytes())
    with app.app_context():
        config = mailboxes.all_mailboxes()[0]
    fetcher = MailboxFetcher(app, config)
    fetcher.open()
    fetcher.drain()
    fetcher.close()
    support.run_jobs(app)  # the acknowledgement job sends through the account
    assert wait_for(lambda: len(mail_sink.messages) == 1, flush=postfix.flush), postfix.log_text()
    ack = mail_sink.last()
    assert ack["Auto-Submitted"] == "auto-replied" and ack["To"] == "anna@example.test"
    assert f"sasl_username={mailbox.username}" in postfix.log_text()
    method = "XOAUTH2" if auth == "google" else "PLAIN"
    assert f"sasl_method={method}" in postfix.log_text()
    copies = _sent_folder(dovecot, mailbox.username)
    assert len(copies) == 1 and b"\\Seen" in copies[0][0]
    assert ack["Message-ID"].encode() in copies[0][1]


def test_submission_refuses_a_wrong_password(app, postfix, dovecot, mailbox):
    config = replace(
        mailbox,
        password="not-it",
        smtp_host="127.0.0.1",
        smtp_port=postfix.submission_port,
        smtp_security="starttls",
        ca_file=str(dovecot.ca_file),
    )
    with app.app_context(), pytest.raises(smtplib.SMTPAuthenticationError):
        mailbox_account.send(build_mail(to="anna@example.test"), config, envelope_from=None)


def test_submission_never_signs_in_over_an_unverified_connection(app, postfix, dovecot, mailbox):
    config = replace(
        mailbox, smtp_host="127.0.0.1", smtp_port=postfix.submission_port, smtp_security="starttls"
    )  # the private CA is not trusted here
    with app.app_context(), pytest.raises(ssl.SSLCertVerificationError):
        mailbox_account.send(build_mail(to="anna@example.test"), config, envelope_from=None)
    assert f"sasl_username={mailbox.username}" not in postfix.log_text()
