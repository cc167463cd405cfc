"""Mailbox intake against a real Dovecot: APPEND with IMAP, fetch with our adapter."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from email import policy

import pytest
from sqlalchemy import func, select

from app.adapters.mailbox_account import SignInRefused
from app.domain import mailboxes
from app.extensions import db
from app.models import ImapReceipt, MailboxAccount, MailboxState, Message, Ticket
from inbound.imap import IMPORTED_KEYWORD, MailboxFetcher, MailboxSupervisor
from tests import support
from tests.email_support import build_mail


def raw(mail) -> bytes:
    return mail.as_bytes(policy=policy.SMTP)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def folder_count(dovecot, user: str, folder: str) -> int:
    with dovecot.client(user) as imap:
        if not imap.folder_exists(folder):
            return 0
        return imap.select_folder(folder, readonly=True)[b"EXISTS"]


def drain(app, config, **kwargs):
    fetcher = MailboxFetcher(app, config, **kwargs)
    fetcher.open()
    try:
        return fetcher.drain()
    finally:
        fetcher.close()


def test_waiting_mail_becomes_tickets_then_moves_to_processed(app, dovecot, mailbox):
    for n in range(3):
        dovecot.append(
            mailbox.username, raw(build_mail(subject=f"Printer {n}", to=mailbox.username))
        )
    done = drain(app, mailbox)
    assert (done.imported, done.marked, done.rejected) == (3, 3, 0)
    with app.app_context():
        subjects = sorted(t.subject for t in db.session.scalars(select(Ticket)))
        assert subjects == ["Printer 0", "Printer 1", "Printer 2"]
        ticket = db.session.scalars(select(Ticket)).first()
        assert ticket.channel == "email" and ticket.customer.email == "anna@example.test"
        assert db.session.get(MailboxState, mailbox.name).state == "ok"
    assert folder_count(dovecot, mailbox.username, "INBOX") == 0
    assert folder_count(dovecot, mailbox.username, "Processed") == 3
    assert drain(app, mailbox).imported == 0  # nothing left, nothing doubled
    assert count(app, Ticket) == 3


def test_flag_mode_keeps_mail_in_the_inbox_and_imports_it_once(app, dovecot, mailbox):
    config = replace(mailbox, processed_folder="")
    dovecot.append(mailbox.username, raw(build_mail(to=mailbox.username)))
    assert drain(app, config).imported == 1
    assert drain(app, config).imported == 0
    with dovecot.client(mailbox.username) as imap:
        imap.select_folder("INBOX")
        flags = list(imap.get_flags(imap.search("ALL")).values())
    assert IMPORTED_KEYWORD.encode() in flags[0]
    assert b"\\Seen" not in flags[0]  # people reading the mailbox still see it as new
    assert count(app, Ticket) == 1


def test_crash_after_commit_before_mark_imports_once(app, dovecot, mailbox):
    for n in range(2):
        dovecot.append(mailbox.username, raw(build_mail(subject=f"Case {n}", to=mailbox.username)))

    def crash(uid):
        raise ConnectionResetError("killed after the commit")

    with pytest.raises(ConnectionResetError):
        drain(app, mailbox, on_commit=crash)
    assert count(app, Ticket) == 2  # committed, but still in the INBOX (not marked)
    assert folder_count(dovecot, mailbox.username, "INBOX") == 2
    done = drain(app, mailbox)
    assert (done.imported, done.marked) == (0, 2)  # the receipts say: ours, only mark them
    assert count(app, Ticket) == 2 and count(app, ImapReceipt) == 2
    assert folder_count(dovecot, mailbox.username, "INBOX") == 0


def test_two_fetchers_at_once_never_duplicate(app, dovecot, mailbox):
    for n in range(30):
        dovecot.append(mailbox.username, raw(build_mail(subject=f"Load {n}", to=mailbox.username)))
    app.config["IMAP_BATCH"] = 5
    errors = []

    def run():
        try:
            drain(app, mailbox)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    drain(app, mailbox)
    assert count(app, Ticket) == 30 and count(app, Message) == 30
    assert folder_count(dovecot, mailbox.username, "INBOX") == 0


def test_mail_without_message_id_is_not_imported_twice(app, dovecot, mailbox):
    mail = build_mail(to=mailbox.username)
    del mail["Message-ID"]
    config = replace(mailbox, processed_folder="")
    dovecot.append(mailbox.username, raw(mail))
    drain(app, config)
    with dovecot.client(mailbox.username) as imap:  # someone un-flags it by hand
        imap.select_folder("INBOX")
        imap.remove_flags(imap.search("ALL"), [IMPORTED_KEYWORD])
    drain(app, config)
    assert count(app, Ticket) == 1


def test_unreadable_mail_goes_to_could_not_import_never_deleted(app, dovecot, mailbox):
    dovecot.append(mailbox.username, b"X-Nothing: here\r\n\r\n")
    dovecot.append(mailbox.username, raw(build_mail(to=mailbox.username)))
    done = drain(app, mailbox)
    assert (done.imported, done.rejected) == (1, 1)
    assert folder_count(dovecot, mailbox.username, "Could not import") == 1
    assert folder_count(dovecot, mailbox.username, "INBOX") == 0
    assert drain(app, mailbox).rejected == 0  # not retried forever


def test_too_large_mail_is_set_aside(app, dovecot, mailbox):
    app.config["IMAP_MAX_BYTES"] = 2000
    dovecot.append(mailbox.username, raw(build_mail(body="x" * 5000, to=mailbox.username)))
    assert drain(app, mailbox).rejected == 1
    assert folder_count(dovecot, mailbox.username, "Could not import") == 1
    assert count(app, Ticket) == 0


def test_provider_authentication_results_are_believed_only_from_its_authserv_id(
    app, dovecot, mailbox
):
    config = replace(mailbox, authserv_id="mx.google.com")
    good = build_mail(subject="Signed", to=mailbox.username)
    good["Authentication-Results"] = "mx.google.com; dmarc=pass header.from=example.test"
    forged = build_mail(subject="Forged", sender="boss@bank.test", to=mailbox.username)
    forged["Authentication-Results"] = "evil.test; dmarc=pass header.from=bank.test"
    dovecot.append(mailbox.username, raw(good))
    dovecot.append(mailbox.username, raw(forged))
    drain(app, config)
    with app.app_context():
        by_subject = {m.ticket.subject: m for m in db.session.scalars(select(Message))}
        assert by_subject["Signed"].auth_results["dmarc"] == "pass"
        assert by_subject["Forged"].auth_results.get("dmarc") != "pass"


def test_reply_to_acknowledgement_threads_onto_the_ticket(app, dovecot, mailbox):
    dovecot.append(mailbox.username, raw(build_mail(to=mailbox.username)))
    drain(app, mailbox)
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        reference = ticket.reference
    reply = build_mail(
        subject=f"Re: [{reference}] My TV box", body="Still red.", to=mailbox.username
    )
    dovecot.append(mailbox.username, raw(reply))
    drain(app, mailbox)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
        assert db.session.scalar(select(func.count()).select_from(Message)) == 2


def test_wrong_password_is_shown_and_retried_without_crashing(app, client, dovecot, mailbox):
    app.config["IMAP_BACKOFF_MAX_SECONDS"] = 1
    config = replace(mailbox, password="wrong-password")
    view = mailboxes.public_view(config)
    view.pop("source")
    app.config["IMAP_MAILBOXES"] = json.dumps([{**view, "password": "wrong-password"}])
    fetcher = MailboxFetcher(app, config)
    thread = threading.Thread(target=fetcher.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with app.app_context():
                row = db.session.get(MailboxState, mailbox.name)
                state = row.state if row else None
                db.session.remove()
            if state == "auth_failed":
                break
            time.sleep(0.1)
        assert state == "auth_failed"
        assert thread.is_alive()  # backing off, not crashed
        ready = client.get("/readyz")
        assert ready.json["problems"][f"mailbox:{mailbox.name}"].startswith(
            "The mail server refused the password"
        )
    finally:
        fetcher.stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_idle_brings_new_mail_in_quickly(app, dovecot, mailbox):
    fetcher = MailboxFetcher(app, mailbox)
    thread = threading.Thread(target=fetcher.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.5)  # connected and idling
        started = time.monotonic()
        dovecot.append(mailbox.username, raw(build_mail(to=mailbox.username)))
        while time.monotonic() - started < 10 and count(app, Ticket) == 0:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        assert count(app, Ticket) == 1
        assert elapsed < 3, elapsed
    finally:
        fetcher.stop.set()
        thread.join(10)


def test_polling_fallback_without_idle(app, dovecot, mailbox):
    app.config["IMAP_POLL_SECONDS"] = 0.2
    fetcher = MailboxFetcher(app, mailbox)
    original = fetcher.open

    def open_without_idle():
        original()
        fetcher.capabilities.discard(b"IDLE")

    fetcher.open = open_without_idle
    thread = threading.Thread(target=fetcher.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)
        dovecot.append(mailbox.username, raw(build_mail(to=mailbox.username)))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and count(app, Ticket) == 0:
            time.sleep(0.05)
        assert count(app, Ticket) == 1
    finally:
        fetcher.stop.set()
        thread.join(10)


def test_google_service_account_signs_in_with_xoauth2(app, dovecot, mailbox, token_server):
    key = token_server.google_service_account()
    config = replace(
        mailbox, auth="google", password=json.dumps(key), token_url=token_server.token_url
    )
    dovecot.append(mailbox.username, raw(build_mail(to=mailbox.username)))
    assert drain(app, config).imported == 1
    assert token_server.tokens[token_server.issued[-1]] == mailbox.username


def test_microsoft_365_app_signs_in_with_msal_and_xoauth2(app, dovecot, mailbox, microsoft):
    microsoft.apps["client-1"] = ("s3cret-value", mailbox.username)
    config = replace(
        mailbox,
        auth="microsoft",
        tenant="tenant-1",
        client_id="client-1",
        password="s3cret-value",
        token_url=f"{microsoft.url}/tenant-1",
        ca_file=str(microsoft.cert),
    )
    dovecot.append(mailbox.username, raw(build_mail(to=mailbox.username)))
    assert drain(app, config).imported == 1
    wrong = replace(config, name=f"{mailbox.name}-w", password="expired-secret")
    fetcher = MailboxFetcher(app, wrong)
    with pytest.raises(SignInRefused, match="AADSTS7000215"):
        fetcher.open()


def test_revoked_token_is_reported_as_a_sign_in_problem(app, dovecot, mailbox, token_server):
    app.config["IMAP_BACKOFF_MAX_SECONDS"] = 1
    key = token_server.google_service_account("other@project.iam.gserviceaccount.com")
    token_server.google_keys.pop("other@project.iam.gserviceaccount.com")  # key deleted at Google
    config = replace(
        mailbox, auth="google", password=json.dumps(key), token_url=token_server.token_url
    )
    fetcher = MailboxFetcher(app, config)
    thread = threading.Thread(target=fetcher.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        state = None
        while time.monotonic() < deadline and state != "auth_failed":
            time.sleep(0.1)
            with app.app_context():
                row = db.session.get(MailboxState, mailbox.name)
                state, message = (row.state, row.message) if row else (None, "")
                db.session.remove()
        assert state == "auth_failed"
        assert message.startswith("Google refused the sign-in")
    finally:
        fetcher.stop.set()
        thread.join(10)


def test_cli_once_imports_configured_mailboxes(app, runner, dovecot, mailbox):
    app.config["IMAP_MAILBOXES"] = json.dumps(
        [
            {
                "name": mailbox.name,
                "host": "127.0.0.1",
                "port": dovecot.port,
                "security": "plain",
                "username": mailbox.username,
                "password": mailbox.password,
            }
        ]
    )
    dovecot.append(mailbox.username, raw(build_mail(to=mailbox.username)))
    result = runner.invoke(args=["inbound", "imap", "--once"])
    assert result.exit_code == 0, result.output
    assert f"{mailbox.name}: 1 imported" in result.output
    assert count(app, Ticket) == 1


def test_bad_mailbox_config_is_a_clear_error(app, runner):
    app.config["IMAP_MAILBOXES"] = '[{"name": "x", "host": "h", "username": "u", "auth": "magic"}]'
    result = runner.invoke(args=["inbound", "imap", "--once"])
    assert result.exit_code != 0
    assert "auth must be one of" in result.output


def test_admin_adds_a_mailbox_and_sees_a_refused_password(app, client, make_agent, dovecot):
    app.config["IMAP_BACKOFF_MAX_SECONDS"] = 1
    make_agent("boss@example.test", role="admin")
    support.login(client, "boss@example.test", "correct-horse-battery")
    dovecot.add_user("desk@helpdesk.test", "right-password")
    dovecot.append("desk@helpdesk.test", raw(build_mail(to="desk@helpdesk.test")))
    page = client.get("/agent/admin/mailboxes").get_data(as_text=True)
    assert "No mailbox yet." in page
    response = client.post(
        "/agent/admin/mailboxes",
        data={
            "csrf_token": support.csrf_token(page),
            "name": "desk",
            "username": "desk@helpdesk.test",
            "host": "127.0.0.1",
            "port": str(dovecot.port),
            "security": "plain",
            "auth": "password",
            "secret": "wrong-password",
            "processed_folder": "Processed",
            "smtp_port": "587",
            "smtp_security": "starttls",
            "sent_folder": "Sent",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(MailboxAccount)).one()
        assert "wrong-password" not in stored.secret  # encrypted at rest
        assert mailboxes.all_mailboxes()[0].password == "wrong-password"
    supervisor = MailboxSupervisor(app, rescan_seconds=0.2)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        page = ""
        while time.monotonic() < deadline and "Sign-in refused" not in page:
            time.sleep(0.2)
            page = client.get("/agent/admin/mailboxes").get_data(as_text=True)
        assert "Sign-in refused" in page and "refused the password for desk@helpdesk.test" in page
        assert client.get("/readyz").json["status"] == "degraded"
        with app.app_context():  # the admin fixes the password: the reader recovers by itself
            account = db.session.scalars(select(MailboxAccount)).one()
            account.secret = mailboxes.encrypt_secret("right-password")
            db.session.commit()
        assert _wait(lambda: count(app, Ticket) == 1, 20)
        assert client.get("/readyz").json["status"] == "ok"
        assert "Working" in client.get("/agent/admin/mailboxes").get_data(as_text=True)
    finally:
        supervisor.stop.set()
        thread.join(20)
    page = client.get("/agent/admin/mailboxes").get_data(as_text=True)
    with app.app_context():
        account_id = db.session.scalars(select(MailboxAccount)).one().id
    client.post(
        f"/agent/admin/mailboxes/{account_id}/delete",
        data={"csrf_token": support.csrf_token(page)},
    )
    assert count(app, MailboxAccount) == 0


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_is_verified_and_works(app, dovecot, mailbox, security):
    port = dovecot.tls_port if security == "tls" else dovecot.port
    config = replace(mailbox, security=security, port=port, ca_file=str(dovecot.ca_file))
    dovecot.append(mailbox.username, raw(build_mail(to=mailbox.username)))
    assert drain(app, config).imported == 1


def test_an_unverified_certificate_is_refused_and_said_in_words(app, dovecot, mailbox):
    app.config["IMAP_BACKOFF_MAX_SECONDS"] = 1
    config = replace(mailbox, security="tls", port=dovecot.tls_port)  # default trust store
    fetcher = MailboxFetcher(app, config)
    thread = threading.Thread(target=fetcher.run, daemon=True)
    thread.start()
    try:
        assert _wait(lambda: _state(app, mailbox.name)[0] == "error", 10)
        assert "certificate could not be verified" in _state(app, mailbox.name)[1]
    finally:
        fetcher.stop.set()
        thread.join(10)


def _state(app, name: str) -> tuple[str | None, str]:
    with app.app_context():
        try:
            row = db.session.get(MailboxState, name)
            return (row.state, row.message) if row else (None, "")
        finally:
            db.session.remove()


def test_cli_once_says_which_mailbox_refused_the_password(app, runner, dovecot, mailbox):
    view = mailboxes.public_view(mailbox)
    view.pop("source")
    app.config["IMAP_MAILBOXES"] = json.dumps([{**view, "password": "nope"}])
    result = runner.invoke(args=["inbound", "imap", "--once"])
    assert result.exit_code == 1
    assert f"{mailbox.name}: The mail server refused the password" in result.output
