"""Faults under load, with real processes: Redis stopped and restarted, an RQ worker killed
mid-job, the database locked for seconds, the SMTP server restarted — while mail arrives over
SMTP and signed SMS webhooks over HTTP. Afterwards nothing is lost, nothing is duplicated,
nothing is stuck. The counts are printed (pytest -s shows them).
"""

from __future__ import annotations

import os
import smtplib
import sqlite3
import threading
import time
import uuid
from email import policy
from email.message import EmailMessage

import psycopg
import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from app.extensions import db
from app.models import Message, OutboxItem, Ticket
from tests import support
from tests.fault_support import FLASK, Process, redis_process

pytestmark = [pytest.mark.fault, pytest.mark.slow]

EMAILS, SMS = 90, 45


class Counters:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[str, int] = {}

    def add(self, key: str, amount: int = 1) -> None:
        with self.lock:
            self.values[key] = self.values.get(key, 0) + amount


def _mail(n: int, run: str) -> tuple[str, bytes]:
    mail = EmailMessage()
    mail["From"] = f"Customer {n} <fault{n}.{run}@example.test>"
    mail["To"] = "support@helpdesk.test"
    mail["Subject"] = f"Fault test problem {n}"
    mail["Message-ID"] = f"<fault-{run}-{n}@example.test>"
    mail.set_content(f"My problem number {n}.")
    return mail["Message-ID"], mail.as_bytes(policy=policy.SMTP)


def send_mail_like_an_mta(port: int, raw: bytes, sender: str, counts: Counters) -> None:
    """Retry on 4xx and on lost connections, as real mail servers do; give up after 90 s."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=15) as smtp:
                smtp.ehlo("mta.example.test")
                smtp.sendmail(sender, ["support@helpdesk.test"], raw)
            counts.add("accepted")
            return
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                counts.add("rejected")
                return
            counts.add("temp-failed then retried")
        except (OSError, smtplib.SMTPException):
            counts.add("connection failures retried")
        time.sleep(0.5)
    counts.add("gave up")


def send_sms_like_twilio(url: str, params: dict, counts: Counters) -> None:
    signature = RequestValidator("test-auth-token").compute_signature(url, params)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            response = requests.post(
                url, data=params, headers={"X-Twilio-Signature": signature}, timeout=15
            )
            if response.status_code == 200:
                counts.add("sms accepted")
                return
            counts.add(f"sms http {response.status_code} retried")
        except requests.RequestException:
            counts.add("sms connection failures retried")
        time.sleep(0.5)
    counts.add("sms gave up")


@pytest.fixture
def stack(app, migrated, tmp_path, mail_sink, twilio_stub):
    redis_port, smtp_port, web_port = (support.free_port() for _ in range(3))
    env = {
        **os.environ,
        "DATABASE_URL": migrated,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "RQ_QUEUE": f"fault-{uuid.uuid4().hex[:8]}",
        "SECRET_KEY": "fault-test-secret-key-long-enough-1234567",
        "HELPDESK_DATA_DIR": str(tmp_path),
        "INBOUND_AUTH": "off",
        "INBOUND_PORT": str(smtp_port),
        "SMTP_RELAY_PORT": str(mail_sink.port),
        "TWILIO_AUTH_TOKEN": "test-auth-token",
        "TWILIO_API_BASE_URL": twilio_stub.base_url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "OUTBOX_POLL_SECONDS": "0.2",
        "OUTBOX_STALE_SECONDS": "6",
        "JOB_RETRY_INTERVALS": "2,4,8",
        "LOG_LEVEL": "WARNING",
    }
    procs = {
        "redis": redis_process(redis_port, tmp_path),
        "smtp": Process("smtp", [*FLASK, "inbound", "serve"], env, tmp_path, smtp_port),
        "web": Process(
            "web", [*FLASK, "run", "--port", str(web_port), "--no-reload"], env, tmp_path, web_port
        ),
        "relay": Process("relay", [*FLASK, "outbox", "relay"], env, tmp_path),
        "worker": Process("worker", [*FLASK, "worker"], env, tmp_path),
    }
    for proc in procs.values():
        proc.start()
    procs["web_url"] = f"http://127.0.0.1:{web_port}"
    yield procs
    for proc in procs.values():
        if isinstance(proc, Process):
            proc.stop()


class DatabaseLock:
    """Hold the database's write lock for a while, as a long migration or backup might."""

    def __init__(self, url: str) -> None:
        self.url = url

    def hold(self, seconds: float) -> None:
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            connection = sqlite3.connect(parsed.database, timeout=10, isolation_level=None)
            connection.execute("BEGIN EXCLUSIVE")
            time.sleep(seconds)
            connection.execute("ROLLBACK")
            connection.close()
            return

        with psycopg.connect(
            parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        ) as connection:
            connection.execute("LOCK TABLE tickets, messages IN ACCESS EXCLUSIVE MODE")
            time.sleep(seconds)
            connection.rollback()


def test_nothing_is_lost_or_duplicated_under_faults(app, migrated, stack, mail_sink):
    run = uuid.uuid4().hex[:6]
    counts = Counters()
    smtp_port = stack["smtp"].port
    mails = [_mail(n, run) for n in range(EMAILS)]
    senders: list[threading.Thread] = []

    def load() -> None:
        for n in range(max(EMAILS, SMS)):
            if n < EMAILS:
                message_id, raw = mails[n]
                thread = threading.Thread(
                    target=send_mail_like_an_mta,
                    args=(smtp_port, raw, f"fault{n}.{run}@example.test", counts),
                )
                thread.start()
                senders.append(thread)
            if n < SMS:
                params = {
                    "From": f"+46703{n:06d}",
                    "To": "+46850000000",
                    "Body": f"SMS problem {n}",
                    "MessageSid": f"SMfault{run}{n:04d}",
                }
                thread = threading.Thread(
                    target=send_sms_like_twilio,
                    args=(stack["web_url"] + "/twilio/sms", params, counts),
                )
                thread.start()
                senders.append(thread)
            time.sleep(0.2)

    load_thread = threading.Thread(target=load)
    load_thread.start()
    lock = DatabaseLock(migrated)
    time.sleep(2)
    stack["redis"].stop()  # (a) Redis down ...
    time.sleep(3)
    stack["redis"].start()  # ... and back
    time.sleep(2)
    stack["worker"].kill()  # (b) SIGKILL, whatever it was doing
    stack["worker"].start()
    time.sleep(1)
    lock.hold(7)  # (c) database locked longer than the 5 s busy/lock timeout
    time.sleep(1)
    stack["smtp"].stop()  # (d) SMTP server restarted
    stack["smtp"].start()
    load_thread.join()
    for thread in senders:
        thread.join()

    message_ids = [m for m, _ in mails]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # let the outbox drain
        with app.app_context():
            open_items = db.session.scalar(
                select(func.count()).where(OutboxItem.completed_at.is_(None))
            )
            db.session.remove()
        if open_items == 0:
            break
        time.sleep(1)

    with app.app_context():
        stored = db.session.scalar(
            select(func.count()).where(Message.email_message_id.in_(message_ids))
        )
        sms_stored = db.session.scalar(
            select(func.count()).where(Message.external_sid.like(f"SMfault{run}%"))
        )
        email_tickets = db.session.scalar(select(func.count()).where(Ticket.channel == "email"))
        acks = db.session.execute(
            text(
                "SELECT ticket_id, count(*) FROM messages WHERE direction = 'out' AND channel = 'email' "
                "GROUP BY ticket_id"
            )
        ).all()
        stuck = db.session.scalar(select(func.count()).where(OutboxItem.completed_at.is_(None)))
        failed = db.session.scalar(select(func.count()).where(OutboxItem.failed.is_(True)))
    sink_ids = [m["message"]["In-Reply-To"] for m in mail_sink.messages]
    ack_mail_duplicates = len(sink_ids) - len(set(sink_ids))
    report = {
        "emails sent": EMAILS,
        "sms sent": SMS,
        **counts.values,
        "emails stored": stored,
        "sms stored": sms_stored,
        "email tickets": email_tickets,
        "duplicates": (stored - len(set(message_ids))) if stored > EMAILS else 0,
        "lost": EMAILS - stored + SMS - sms_stored,
        "acknowledgements stored": len(acks),
        "ack mails at relay": len(sink_ids),
        "ack mails re-sent (at-least-once window)": ack_mail_duplicates,
        "outbox stuck": stuck,
        "outbox failed": failed,
    }
    print("\nfault run:", ", ".join(f"{k}={v}" for k, v in report.items()))
    logs = "\n".join(f"--- {n}\n{p.tail()}" for n, p in stack.items() if isinstance(p, Process))
    assert counts.values.get("accepted") == EMAILS, logs
    assert counts.values.get("sms accepted") == SMS, logs
    assert stored == EMAILS and sms_stored == SMS  # lost = 0
    assert email_tickets == EMAILS  # every mail on exactly one ticket
    assert all(count == 1 for _, count in acks) and len(acks) == EMAILS  # one ack each
    assert stuck == 0 and failed == 0, logs
    assert (
        counts.values.get("temp-failed then retried", 0)
        + counts.values.get("connection failures retried", 0)
        > 0
    )  # the faults really happened
