"""Faults around delivery, with real processes (Redis, SMTP server, outbox relay, RQ worker):
the worker killed while its job talks to the relay, the fork-mode work horse killed mid-job,
Redis SIGKILLed mid-job and restarted empty, a full attachment store, duplicate deliveries
with and without Message-ID, and reused Message-IDs.

Senders retry like real MTAs. Every 250 is reconciled against the database and every
acknowledgement is counted at the mail sink; `pytest -s -m fault` prints the table
(FAULT_TABLE=path also writes it there). The README carries it for both databases.
"""

from __future__ import annotations

import contextlib
import os
import signal
import smtplib
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Message, OutboxItem
from inbound.server import HelpdeskController
from tests import support
from tests.fault_support import FLASK, Process, capped_directory, children, redis_process

pytestmark = [pytest.mark.fault, pytest.mark.slow]

ROWS: list[dict] = []
COLUMNS = ("sent", "250", "stored", "lost", "duplicated", "acks expected", "acks sent")


@pytest.fixture(scope="module", autouse=True)
def _table(migrated):
    yield
    if not ROWS:
        return
    backend = make_url(migrated).get_backend_name()
    lines = [
        f"| fault ({backend}) | " + " | ".join(COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
        *(f"| {r['fault']} | " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in ROWS),
    ]
    print("\n" + "\n".join(lines))
    if os.environ.get("FAULT_TABLE"):
        with open(os.environ["FAULT_TABLE"], "a") as out:
            out.write("\n".join(lines) + "\n\n")


@dataclass
class Mail:
    key: str  # in the subject: how the database copy is found
    sender: str
    raw: bytes


def make_mail(run: str, n: int, *, message_id: str | None = "own", attachment: bytes = b"") -> Mail:
    key = f"{run}-{n}"
    sender = f"f{n}.{run}@example.test"
    mail = EmailMessage()
    mail["From"] = f"Customer {n} <{sender}>"
    mail["To"] = "support@helpdesk.test"
    mail["Subject"] = f"Fault {key}"
    mail["Date"] = formatdate(1_790_000_000 + n)
    if message_id == "own":
        mail["Message-ID"] = f"<fault-{key}@example.test>"
    elif message_id:
        mail["Message-ID"] = message_id
    mail.set_content(f"My problem number {n}.")
    if attachment:
        mail.add_attachment(attachment, maintype="image", subtype="png", filename=f"p{n}.png")
    return Mail(key, sender, mail.as_bytes(policy=policy.SMTP))


def send_like_an_mta(port: int, mail: Mail, counts: dict, lock: threading.Lock) -> bool:
    """Retry on 4xx and lost connections, as mail servers do. True once we got a 250."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=15) as smtp:
                smtp.ehlo("mta.example.test")
                smtp.sendmail(mail.sender, ["support@helpdesk.test"], mail.raw)
            return True
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                return False
            with lock:
                counts["4xx"] = counts.get("4xx", 0) + 1
        except (OSError, smtplib.SMTPException):
            with lock:
                counts["retried"] = counts.get("retried", 0) + 1
        time.sleep(0.3)
    return False


def deliver(
    port: int, mails: list[Mail], *, copies: int = 1, pace: float = 0.0, counts: dict | None = None
) -> dict:
    """Send every mail `copies` times (a copy = the sender retrying after a lost 250)."""
    counts = {} if counts is None else counts
    counts.update({"sent": 0, "250": 0})
    lock = threading.Lock()

    def one(mail: Mail) -> None:
        for _ in range(copies):
            accepted = send_like_an_mta(port, mail, counts, lock)
            with lock:
                counts["sent"] += 1
                counts["250"] += accepted

    with ThreadPoolExecutor(max_workers=8) as pool:
        for mail in mails:
            pool.submit(one, mail)
            time.sleep(pace)
    return counts


def drain(app, timeout: float = 90) -> int:
    """Wait until every outbox row completed; returns how many are still open."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            open_items = db.session.scalar(
                select(func.count()).where(OutboxItem.completed_at.is_(None))
            )
            db.session.remove()
        if open_items == 0 or time.monotonic() > deadline:
            return open_items
        time.sleep(0.5)


def reconcile(app, fault: str, run: str, mails: list[Mail], counts: dict, mail_sink) -> dict:
    """Every 250 against the database, every acknowledgement at the sink."""
    left_open = drain(app)
    distinct = {m.key: m for m in mails}
    with app.app_context():
        rerun = db.session.scalar(
            select(func.count()).where(
                (OutboxItem.dispatch_count > 1) | (OutboxItem.job_attempts > 1)
            )
        )
        skipped = sum(
            1
            for meta in db.session.scalars(select(Message.meta).where(Message.direction == "out"))
            if meta and meta.get("resend_skipped")
        )
        stored_rows = db.session.execute(
            select(Message.subject, func.count())
            .where(Message.direction == "in", Message.subject.like(f"Fault {run}-%"))
            .group_by(Message.subject)
        ).all()
        db.session.remove()
    stored = {subject.removeprefix("Fault "): count for subject, count in stored_rows}
    senders = {m.sender for m in distinct.values()}
    acks = [m for m in mail_sink.messages if m["rcpt_tos"] and m["rcpt_tos"][0] in senders]
    row = {
        "fault": fault,
        "sent": counts["sent"],
        "250": counts["250"],
        "stored": sum(stored.values()),
        "lost": len([k for k in distinct if k not in stored]) if counts["250"] else 0,
        "duplicated": sum(c - 1 for c in stored.values()),
        "acks expected": len(stored),
        "acks sent": len(acks),
        "outbox open": left_open,
        "ack recipients": len({m["rcpt_tos"][0] for m in acks}),
        "jobs run again": rerun,
        "resends recognised and skipped": skipped,
    }
    ROWS.append(row)
    print(f"\n{fault}: {row} {counts}")
    if left_open:
        with app.app_context():
            for item in db.session.scalars(
                select(OutboxItem).where(OutboxItem.completed_at.is_(None))
            ):
                print(
                    "OPEN",
                    item.id,
                    item.topic,
                    item.dispatch_count,
                    item.job_attempts,
                    item.dispatched_at,
                    item.available_at,
                    item.stale_checks,
                    item.failed,
                    item.last_error,
                )
            db.session.remove()
    return row


def assert_clean(row: dict, mails: list[Mail]) -> None:
    assert row["250"] == row["sent"], row
    assert row["lost"] == 0 and row["duplicated"] == 0, row
    assert row["stored"] == len({m.key for m in mails}), row
    assert row["acks sent"] == row["acks expected"] == row["ack recipients"], row
    assert row["outbox open"] == 0, row


class Stack:
    """Redis, the SMTP server, the relay and a worker as real processes."""

    def __init__(self, migrated: str, tmp_path, mail_sink, twilio_stub) -> None:
        self.redis_port, self.smtp_port = support.free_port(), support.free_port()
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DATABASE_URL": migrated,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "RQ_QUEUE": f"fault-{uuid.uuid4().hex[:8]}",
            "SECRET_KEY": "fault-test-secret-key-long-enough-1234567",
            "HELPDESK_DATA_DIR": str(tmp_path),
            "INBOUND_AUTH": "off",
            "INBOUND_PORT": str(self.smtp_port),
            "SMTP_RELAY_PORT": str(mail_sink.port),
            "TWILIO_AUTH_TOKEN": "test-auth-token",
            "TWILIO_API_BASE_URL": twilio_stub.base_url,
            "OUTBOX_POLL_SECONDS": "0.2",
            "OUTBOX_STALE_SECONDS": "3",
            "OUTBOX_JOB_TIMEOUT": "5",
            "JOB_RETRY_INTERVALS": "1,2,4",
            "LOG_LEVEL": "WARNING",
        }
        self.procs: dict[str, Process] = {}

    def start(self, *, worker_args: tuple[str, ...] = (), smtp: bool = True) -> Stack:
        self.procs["redis"] = redis_process(self.redis_port, self.tmp_path).start()
        if smtp:
            self.procs["smtp"] = Process(
                "smtp", [*FLASK, "inbound", "serve"], self.env, self.tmp_path, self.smtp_port
            ).start()
        self.procs["relay"] = Process(
            "relay", [*FLASK, "outbox", "relay"], self.env, self.tmp_path
        ).start()
        self.procs["worker"] = Process(
            "worker", [*FLASK, "worker", *worker_args], self.env, self.tmp_path
        ).start()
        return self

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{proc.tail()}" for name, proc in self.procs.items())


@pytest.fixture
def stack(app, migrated, tmp_path, mail_sink, twilio_stub):
    built = Stack(migrated, tmp_path, mail_sink, twilio_stub)
    yield built
    mail_sink.delay = 0.0
    built.stop()


def next_arrival_at_relay(mail_sink, timeout: float = 30) -> bool:
    """Wait until the relay (sink) receives a new mail: a job is then between the final dot
    and the relay's 250 (the sink holds the 250 back for `mail_sink.delay`)."""
    seen = len(mail_sink.messages)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(mail_sink.messages) > seen:
            return True
        time.sleep(0.01)
    return False


def _in_background(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args)
    thread.start()
    return thread


def test_worker_killed_while_its_job_talks_to_the_relay(app, stack, mail_sink):
    """The in-process worker is the process running the job: SIGKILL it mid-job, 3 times."""
    stack.start()
    run = uuid.uuid4().hex[:6]
    mails = [make_mail(run, n) for n in range(40)]
    mail_sink.delay = 0.4  # each acknowledgement spends 0.4 s between the dot and the 250
    result: dict = {}
    sender = _in_background(lambda: result.update(deliver(stack.smtp_port, mails, pace=0.1)))
    kills = 0
    for _ in range(3):
        if next_arrival_at_relay(mail_sink):
            stack.procs["worker"].kill()  # the relay has the ack; its 250 is not said yet
            kills += 1
            stack.procs["worker"].start()
    sender.join()
    row = reconcile(app, f"worker SIGKILL mid-job (x{kills})", run, mails, result, mail_sink)
    assert kills == 3 and row["jobs run again"] >= 3, stack.logs()
    assert row["resends recognised and skipped"] >= 1, row
    assert_clean(row, mails)


def test_work_horse_killed_mid_job(app, stack, mail_sink):
    """`flask worker --fork`: RQ runs each job in a work horse in its own process group;
    kill that horse (not the worker) while the job waits for the relay's 250."""
    stack.start(worker_args=("--fork",))
    run = uuid.uuid4().hex[:6]
    mails = [make_mail(run, n) for n in range(24)]
    mail_sink.delay = 0.5
    result: dict = {}
    sender = _in_background(lambda: result.update(deliver(stack.smtp_port, mails, pace=0.1)))
    kills = 0
    for _ in range(3):
        if not next_arrival_at_relay(mail_sink):
            break
        horses = [p for p in children(stack.procs["worker"].popen.pid) if _own_group(p)]
        for horse in horses:  # the horse whose mail the relay just got
            with contextlib.suppress(ProcessLookupError):
                os.kill(horse, signal.SIGKILL)
                kills += 1
    sender.join()
    row = reconcile(app, f"work horse SIGKILL mid-job (x{kills})", run, mails, result, mail_sink)
    assert kills >= 2 and row["jobs run again"] >= 2, stack.logs()
    assert stack.procs["worker"].popen.poll() is None  # the worker itself lived on
    assert_clean(row, mails)


def _own_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


def test_redis_sigkilled_mid_job_and_restarted_empty(app, stack, mail_sink):
    stack.start()
    run = uuid.uuid4().hex[:6]
    mails = [make_mail(run, n) for n in range(40)]
    mail_sink.delay = 0.3
    worker_pid = stack.procs["worker"].popen.pid
    result: dict = {}
    sender = _in_background(lambda: result.update(deliver(stack.smtp_port, mails, pace=0.1)))
    time.sleep(1.0)
    assert next_arrival_at_relay(mail_sink)
    stack.procs["redis"].kill()  # a job in flight; queued jobs are lost with it
    time.sleep(3.0)
    stack.procs["redis"].start()  # empty
    sender.join()
    row = reconcile(app, "Redis SIGKILL mid-job, empty restart", run, mails, result, mail_sink)
    assert stack.procs["worker"].popen.pid == worker_pid
    assert stack.procs["worker"].popen.poll() is None, stack.logs()  # rode it out
    assert_clean(row, mails)


def test_full_attachment_store(app, stack, mail_sink, tmp_path):
    """1 MiB store, 20 mails with 150 kB photos: 4xx while full, all stored once room is made."""
    stack.start(smtp=False)
    store = tmp_path / "attachments-small"
    with capped_directory(store, 1024 * 1024) as cap:
        app.config["ATTACHMENT_DIR"] = str(store)
        controller = HelpdeskController(app, host="127.0.0.1", port=stack.smtp_port)
        controller.start()
        try:
            run = uuid.uuid4().hex[:6]
            mails = [make_mail(run, n, attachment=os.urandom(150_000)) for n in range(20)]
            result: dict = {}
            sender = _in_background(lambda: deliver(stack.smtp_port, mails, counts=result))
            deadline = time.monotonic() + 20
            while result.get("4xx", 0) < 10 and time.monotonic() < deadline:
                time.sleep(0.2)
            cap.grow(64 * 1024 * 1024)  # the operator makes room; the senders' retries land
            sender.join()
        finally:
            controller.stop()
        partial = [p.name for p in store.rglob("*") if p.is_file() and p.parent.name != p.name[:2]]
    row = reconcile(app, f"attachment store full ({cap.kind} 1 MiB)", run, mails, result, mail_sink)
    assert result.get("4xx", 0) >= 10  # the store really was full
    assert partial == []  # no temp files left behind
    assert_clean(row, mails)


@pytest.mark.parametrize(
    ("fault", "message_id"),
    [
        ("duplicate deliveries with Message-ID", "own"),
        ("duplicate deliveries without Message-ID", None),
        ("reused Message-IDs (30 mails, 5 ids), each twice", "reused"),
    ],
)
def test_duplicate_deliveries(app, stack, mail_sink, fault, message_id):
    stack.start()
    run = uuid.uuid4().hex[:6]
    mails = [
        make_mail(
            run,
            n,
            message_id=f"<shared-{run}-{n % 5}@example.test>"
            if message_id == "reused"
            else message_id,
        )
        for n in range(30)
    ]
    result = deliver(stack.smtp_port, mails, copies=2)  # every 250 "lost": the sender retries
    row = reconcile(app, fault, run, mails, result, mail_sink)
    assert_clean(row, mails)
