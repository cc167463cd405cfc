"""SMTP intake benchmark, measured against the machine itself in ONE run.

The same smtplib client processes send the same kind of mail to three servers in turn:

  null        aiosmtpd answering 250 at once (what SMTP and the clients cost)
  raw insert  aiosmtpd doing one raw INSERT of the message + COMMIT per mail
              (SQLite in WAL mode with the project's pragmas, one writer thread; on
              PostgreSQL as many connections as the project uses)
  project     our HelpdeskController: parse → intake → commit → 250

and prints msg/s, DATA→250 p50/p99 and the ratio project / raw insert. A 250 is sent only
after the commit, in every server. SQLite by default (a fresh temp database);
DATABASE_URL=postgresql://… measures PostgreSQL (that database; `--reset-database` empties it
first — it drops the public schema!).

    .venv/bin/python bench/smtp_intake.py [--messages 2000] [--connections 8]
        [--existing 1000000]        # pre-seed tickets first (Core bulk insert / generate_series)
        [--compare-sizes 1000000]   # run at 0 existing tickets, seed, run again, print the change
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/ (queue.py!)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import logging  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import smtplib  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from email import policy  # noqa: E402
from email.message import EmailMessage  # noqa: E402

import psycopg  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import Customer, Message, Ticket  # noqa: E402
from bench._common import bench_app, percentile  # noqa: E402
from inbound.server import HelpdeskController  # noqa: E402
from tests.support import free_port  # noqa: E402


def build(n: int, tag: str = "") -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Customer {n} <customer{n % 500}@example.test>"
    mail["To"] = "support@helpdesk.test"
    mail["Subject"] = f"Problem number {n}"
    mail["Message-ID"] = f"<bench-{tag}{n}-{time.time_ns()}@example.test>"
    mail["Auto-Submitted"] = "auto-generated"  # keep acknowledgements out of the measurement
    mail.set_content("Hello,\n\nmy internet stops every evening around eight.\n\nRegards\n" * 3)
    return mail.as_bytes(policy=policy.SMTP)


# --- clients: long-lived processes, reused for every server of the run -------------------


def client_worker(commands, results, go) -> None:
    """Clients run in their own processes so they do not share the server's GIL."""
    while True:
        command = commands.get()
        if command is None:
            return
        port, numbers, tag, inline = command
        # built before the clock starts, unless --build-in-client (the first method)
        mails = [(n, None if inline else build(n, tag)) for n in numbers]
        results.put("ready")
        go.wait()
        latencies: list[float] = []
        errors: list[str] = []
        send(port, mails, latencies, errors, tag)
        results.put((latencies, errors))


def send(port: int, mails, latencies: list[float], errors: list[str], tag: str = "") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        smtp.ehlo("bench")
        for n, prebuilt in mails:
            raw = prebuilt or build(n, tag)
            smtp.mail(f"customer{n % 500}@example.test")
            smtp.rcpt("support@helpdesk.test")
            started = time.perf_counter()
            try:
                code, reply = smtp.data(raw)
            except smtplib.SMTPResponseException as error:
                code, reply = error.smtp_code, error.smtp_error
            latencies.append(time.perf_counter() - started)
            if code != 250:
                errors.append(f"{code} {reply!r}")
                smtp.rset()


class Clients:
    def __init__(self, count: int, inline: bool = False) -> None:
        self.inline = inline
        self.go = multiprocessing.Event()
        self.results = multiprocessing.Queue()
        self.commands = [multiprocessing.Queue() for _ in range(count)]
        self.processes = [
            multiprocessing.Process(target=client_worker, args=(q, self.results, self.go))
            for q in self.commands
        ]
        for process in self.processes:
            process.start()

    def run(self, port: int, messages: int, tag: str) -> dict:
        count = len(self.commands)
        for i, queue in enumerate(self.commands):
            queue.put((port, list(range(i, messages, count)), tag, self.inline))
        for _ in self.commands:
            assert self.results.get() == "ready"
        started = time.perf_counter()
        self.go.set()
        latencies: list[float] = []
        errors: list[str] = []
        for _ in self.commands:
            got_latencies, got_errors = self.results.get()
            latencies += got_latencies
            errors += got_errors
        elapsed = time.perf_counter() - started
        self.go.clear()
        return {
            "rate": messages / elapsed,
            "p50": percentile(latencies, 0.50),
            "p99": percentile(latencies, 0.99),
            "errors": errors,
        }

    def close(self) -> None:
        for queue in self.commands:
            queue.put(None)
        for process in self.processes:
            process.join()


# --- the two yardsticks ---------------------------------------------------------------------


class NullHandler:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        return "250 2.0.0 OK"


class RawInsertHandler:
    """One INSERT of the message and one COMMIT per mail, 250 after the commit."""

    def __init__(self, url: str, workers: int) -> None:
        self.url = make_url(url)
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="raw")
        self.connections: dict[int, object] = {}
        self.path = None
        if self.sqlite:
            self.path = str(Path(self.url.database).with_name("raw_insert.sqlite3"))
        with self._connect() as connection:
            connection.execute("DROP TABLE IF EXISTS bench_raw_mail")
            connection.execute(
                "CREATE TABLE bench_raw_mail (id INTEGER PRIMARY KEY, mail_from TEXT, body BLOB)"
                if self.sqlite
                else "CREATE TABLE bench_raw_mail (id bigserial PRIMARY KEY, mail_from text, "
                "body bytea)"
            )
            connection.commit()

    def _connect(self):
        if self.sqlite:
            connection = sqlite3.connect(self.path, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")  # the project's pragmas
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=5000")
            return connection
        return psycopg.connect(
            self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        )

    def _store(self, mail_from: str, body: bytes) -> None:
        key = threading.get_ident()
        connection = self.connections.get(key)
        if connection is None:
            connection = self.connections[key] = self._connect()
        connection.execute(
            "INSERT INTO bench_raw_mail (mail_from, body) VALUES (?, ?)"
            if self.sqlite
            else "INSERT INTO bench_raw_mail (mail_from, body) VALUES (%s, %s)",
            (mail_from, body),
        )
        connection.commit()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            self.executor, self._store, envelope.mail_from, envelope.original_content
        )
        return "250 2.0.0 OK"

    def close(self) -> None:
        self.executor.shutdown()
        for connection in self.connections.values():
            connection.close()
        with self._connect() as connection:
            connection.execute("DROP TABLE IF EXISTS bench_raw_mail")
            connection.commit()


def serve(handler, clients: Clients, messages: int, tag: str) -> dict:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    try:
        warm = []
        send(controller.port, [(n, build(n, f"warm{tag}")) for n in range(-20, 0)], warm, [])
        return clients.run(controller.port, messages, tag)
    finally:
        controller.stop()


def serve_project(app, clients: Clients, messages: int, tag: str) -> dict:
    controller = HelpdeskController(app, host="127.0.0.1", port=free_port())
    controller.start()
    try:
        send(controller.port, [(n, build(n, f"warm{tag}")) for n in range(-20, 0)], [], [])
        result = clients.run(controller.port, messages, tag)
    finally:
        controller.stop()
    with app.app_context():
        result["stored"] = db.session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.email_message_id.like(f"<bench-{tag}%"))
        )
        db.session.remove()
    return result


# --- pre-seeding a big database ------------------------------------------------------------


def seed(app, tickets: int, batch: int = 20000) -> float:
    """`tickets` tickets (one inbound message each, with Message-ID and delivery key) for
    tickets/5 customers: Core bulk inserts on SQLite, COPY on PostgreSQL.

    References fill the six-digit space first (HD-100000 … HD-999999, skipping those in
    use), then go on with seven digits — as a real database of that size would look."""
    started = time.perf_counter()
    with app.app_context():
        t0 = (db.session.scalar(select(func.max(Ticket.id))) or 0) + 1
        c0 = (db.session.scalar(select(func.max(Customer.id))) or 0) + 1
        taken = set(db.session.scalars(select(Ticket.reference)))
        customers = max(tickets // 5, 1)
        postgresql = db.engine.dialect.name == "postgresql"
        for first in range(0, customers, batch):
            rows = [_customer(c0 + i) for i in range(first, min(first + batch, customers))]
            _write(postgresql, Customer.__table__, rows)
        references = _references(taken)
        for first in range(0, tickets, batch):
            rows, messages = [], []
            for i in range(first, min(first + batch, tickets)):
                ticket, message = _ticket(t0 + i, next(references), c0 + i % customers)
                rows.append(ticket)
                messages.append(message)
            _write(postgresql, Ticket.__table__, rows)
            _write(postgresql, Message.__table__, messages)
            print(f"  seeded {min(first + batch, tickets):>9,} tickets", end="\r", flush=True)
        print()
        if postgresql:
            for table in ("customers", "tickets", "messages"):
                db.session.execute(
                    text(  # our own table names
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    return time.perf_counter() - started


def _references(taken: set[str]):
    number = 100000
    while True:
        reference = f"HD-{number}"
        number += 1
        if reference not in taken:
            yield reference


def _customer(cid: int) -> dict:
    return {
        "id": cid,
        "name": "Seed Customer",
        "name_folded": "seed customer",
        "name_tail_folded": "customer",
        "email": f"seed{cid}@example.test",
        "phone": f"+4670{cid:07d}",
        "language": "sv",
        "sms_opted_out": False,
        "created_at": SEED_START,
    }


SEED_START = datetime(2024, 1, 1)
STATUSES = ["resolved", "closed", "closed", "resolved", "open"]


def _ticket(tid: int, reference: str, customer_id: int) -> tuple[dict, dict]:
    created = SEED_START + timedelta(minutes=tid)
    ticket = {
        "id": tid,
        "reference": reference,
        "subject": "Internet down",
        "status": STATUSES[tid % 5],
        "priority": 1,
        "channel": "email",
        "customer_id": customer_id,
        "language": "sv",
        "created_at": created,
        "updated_at": created,
        "version": 1,
    }
    message = {
        "id": None,
        "ticket_id": tid,
        "direction": "in",
        "channel": "email",
        "is_internal": False,
        "spoof_suspected": False,
        "subject": "Internet down",
        "body_text": f"Hello, problem number {tid} with my router",
        "email_message_id": f"<seed-{tid}@example.test>",
        "delivery_key": f"{tid:064x}",
        "created_at": created,
    }
    return ticket, message


def _write(postgresql: bool, table, rows: list[dict]) -> None:
    if not postgresql:
        db.session.execute(
            insert(table), [{k: v for k, v in r.items() if v is not None} for r in rows]
        )
        db.session.commit()
        return
    columns = [c for c in rows[0] if rows[0][c] is not None]
    connection = db.session.connection().connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
    db.session.commit()


# --- the run ------------------------------------------------------------------------------


def one_round(app, url: str, clients: Clients, messages: int, round_tag: str) -> dict:
    sqlite = url.startswith("sqlite")
    results = {"null": serve(NullHandler(), clients, messages, f"{round_tag}n")}
    raw = RawInsertHandler(url, workers=1 if sqlite else 4)
    try:
        results["raw insert"] = serve(raw, clients, messages, f"{round_tag}r")
    finally:
        raw.close()
    results["project"] = serve_project(app, clients, messages, f"{round_tag}p")
    return results


def rounds(app, url: str, clients: Clients, args, tag: str) -> dict:
    """`--rounds` rounds of null, raw insert, project; each figure's median over them."""
    runs = [one_round(app, url, clients, args.messages, f"{tag}{i}") for i in range(args.rounds)]
    if args.rounds > 1:
        for i, run in enumerate(runs):
            print(f" round {i + 1}:")
            report(run, args.messages)
        print(f" median of {args.rounds} rounds:")
    median = {
        name: {
            key: statistics.median(run[name][key] for run in runs) for key in ("rate", "p50", "p99")
        }
        | {"errors": [e for run in runs for e in run[name]["errors"]]}
        for name in runs[0]
    }
    report(median, args.messages)
    return median


def report(results: dict, messages: int) -> None:
    for name, result in results.items():
        errors = result["errors"]
        stored = f"  stored {result['stored']}" if "stored" in result else ""
        print(
            f"  {name:<11} {result['rate']:7.0f} msg/s   DATA->250 p50 {result['p50']:6.1f} ms"
            f"  p99 {result['p99']:6.1f} ms   errors {len(errors)}{stored}"
        )
        if errors:
            print(f"              first error: {errors[0]}")
    ratio = results["project"]["rate"] / results["raw insert"]["rate"]
    print(
        f"  project / raw insert = {ratio:.2f}   (project / null = "
        f"{results['project']['rate'] / results['null']['rate']:.2f})"
    )


def ticket_count(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(Ticket))
        finally:
            db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--existing", type=int, default=0, help="pre-seed N tickets first")
    parser.add_argument(
        "--compare-sizes",
        type=int,
        default=0,
        metavar="N",
        help="measure at 0 existing tickets, seed N, measure again; print the change",
    )
    parser.add_argument("--rounds", type=int, default=1, help="report medians over rounds")
    parser.add_argument("--committers", type=int, default=0, help="INBOUND_COMMITTERS")
    parser.add_argument("--window-ms", type=int, default=2, help="INBOUND_COMMIT_WINDOW_MS")
    parser.add_argument(
        "--build-in-client",
        action="store_true",
        help="clients build each mail while sending (costs client CPU beside the server)",
    )
    parser.add_argument(
        "--reset-database",
        action="store_true",
        help="PostgreSQL: drop and recreate the public schema of DATABASE_URL first",
    )
    args = parser.parse_args()

    url_env = os.environ.get("DATABASE_URL", "")
    if args.reset_database and url_env.startswith("postgresql"):
        with psycopg.connect(url_env, autocommit=True) as connection:
            connection.execute("DROP SCHEMA public CASCADE")
            connection.execute("CREATE SCHEMA public")

    # INBOUND_AUTH off: DNS lookups would measure the network, not us.
    app, backend = bench_app(
        "smtp",
        INBOUND_AUTH="off",
        INBOUND_COMMITTERS=args.committers,
        INBOUND_COMMIT_WINDOW_MS=args.window_ms,
    )
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    logging.getLogger().setLevel(logging.WARNING)
    if args.existing:
        print(f"seeding {args.existing:,} tickets …", flush=True)
        print(f"seeded in {seed(app, args.existing):.0f} s")

    cpus = os.cpu_count()
    load = os.getloadavg()[0]
    built = "while sending" if args.build_in_client else "beforehand"
    print(
        f"database {backend}; {args.messages} messages over {args.connections} smtplib client "
        f"processes per server (mails built {built});"
        f" {cpus} CPUs, load average {load:.1f} at start; group commit window "
        f"{args.window_ms} ms, committers {args.committers or 'default'}"
    )
    clients = Clients(args.connections, args.build_in_client)
    try:
        before = ticket_count(app)
        print(f"\nexisting tickets: {before:,}")
        first = rounds(app, url, clients, args, "a")
        if args.compare_sizes:
            print(f"\nseeding {args.compare_sizes:,} tickets …", flush=True)
            print(f"seeded in {seed(app, args.compare_sizes):.0f} s")
            print(f"\nexisting tickets: {ticket_count(app):,}")
            second = rounds(app, url, clients, args, "b")
            print(f"\nchange from {before:,} to about {ticket_count(app):,} existing tickets:")
            for name, a, b in (
                ("project msg/s", first["project"]["rate"], second["project"]["rate"]),
                (
                    "project / raw insert",
                    first["project"]["rate"] / first["raw insert"]["rate"],
                    second["project"]["rate"] / second["raw insert"]["rate"],
                ),
                (
                    "project / null",
                    first["project"]["rate"] / first["null"]["rate"],
                    second["project"]["rate"] / second["null"]["rate"],
                ),
            ):
                print(f"  {name:<22} {a:8.2f} → {b:8.2f}   {(b / a - 1) * 100:+.1f} %")
    finally:
        clients.close()


if __name__ == "__main__":
    main()
