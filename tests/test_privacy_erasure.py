"""Erasure, proved: a customer who reached us through every channel is erased, then every
table (reflected from the live database, full-text index tables included), the SQLite file
itself, every file under the data directory and every Redis key is searched for any of
their values. None may be found."""

from __future__ import annotations

import re
import secrets
from email.message import EmailMessage
from pathlib import Path

from redis import Redis
from rq.registry import FailedJobRegistry
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import make_url

from app.adapters import smtp
from app.adapters.rq_relay import rq_queue
from app.domain import settings
from app.extensions import db
from app.models import Article, AuditEvent, Customer, PrivacyRequest, Ticket
from tests import support
from tests.conftest import TEST_REDIS_URL
from tests.email_support import send


class Person:
    """Values unique to this run, so a scan of shared stores cannot match another test."""

    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        digits = f"{secrets.randbelow(10**7):07d}"
        self.surname = f"Quargmire{tag}"
        self.name = f"Zebulon {self.surname}"
        self.email = f"zebulon.{tag}@example.org"
        self.phone = f"+4670{digits}"
        self.national = f"070{digits}"
        self.address = f"Kvarngatan {tag} 12"
        self.words = {
            k: f"{k}{tag}"
            for k in ("topic", "sms", "voicemail", "mail", "reply", "file", "later", "summary")
        }
        self.call_sid = f"CA{secrets.token_hex(16)}"
        self.recording_sid = f"RE{secrets.token_hex(16)}"

    def values(self) -> list[str]:
        return [
            self.surname,
            self.email,
            self.phone,
            self.national[1:],
            self.address,
            self.call_sid,
            self.recording_sid,
            *self.words.values(),
        ]


def _csrf(client, path: str) -> str:
    return support.csrf_token(client.get(path).get_data(as_text=True))


def _ticket_id(app, reference: str | None = None) -> int:
    with app.app_context():
        query = select(Ticket.id).order_by(Ticket.id)
        if reference:
            query = query.where(Ticket.reference == reference)
        return db.session.scalars(query).first()


def _version(app, ticket_id: int) -> int:
    with app.app_context():
        return db.session.get(Ticket, ticket_id).version


def seed_everywhere(app, client, smtp_server, twilio_stub, person: Person) -> int:
    """Reach us by callback form, SMS, voice(mail), identity check, email with an
    attachment, agent replies, a resolved ticket with a community article, and leave a
    queued job. Returns the customer id."""
    response = client.post(
        "/callback",
        data={
            "csrf_token": _csrf(client, "/callback"),
            "name": person.name,
            "phone": person.national,
            "when": "asap",
            "topic": f"Heater {person.words['topic']}",
        },
    )
    assert response.status_code == 302
    support.run_jobs(app)  # confirmation SMS through the Twilio stand-in
    call = {"From": person.phone, "To": "+46850000000", "CallSid": person.call_sid}
    sms = {"From": person.phone, "To": "+46850000000", "MessageSid": f"SM{secrets.token_hex(16)}"}
    support.twilio_post(client, "/twilio/sms", {**sms, "Body": f"Still cold {person.words['sms']}"})
    support.twilio_post(client, "/twilio/voice", call)
    support.twilio_post(client, "/twilio/voice/menu", {**call, "Digits": "2"})
    twilio_stub.recordings[person.recording_sid] = (
        b"ID3 fake audio " + person.words["voicemail"].encode()
    )
    recording = {
        **call,
        "RecordingSid": person.recording_sid,
        "RecordingUrl": f"{twilio_stub.base_url}/2010-04-01/Accounts/AC1/Recordings/"
        f"{person.recording_sid}",
        "RecordingStatus": "completed",
        "RecordingDuration": "9",
    }
    support.twilio_post(client, "/twilio/recording", recording)
    support.twilio_post(
        client,
        "/twilio/transcription",
        {
            **call,
            "RecordingSid": person.recording_sid,
            "TranscriptionStatus": "completed",
            "TranscriptionText": f"My heater {person.words['voicemail']} is broken",
        },
    )
    support.run_jobs(app)

    # Identity check by SMS code, then the agent adds their email and address.
    phone_ticket = _ticket_id(app)
    page = f"/agent/tickets/{phone_ticket}"
    client.post(
        f"/agent/identity/tickets/{phone_ticket}/challenge",
        data={"csrf_token": _csrf(client, page), "channel": "sms"},
    )
    support.run_jobs(app)
    code = re.search(r"\b(\d{6})\b", twilio_stub.messages()[-1].value("Body")).group(1)
    client.post(
        f"/agent/identity/tickets/{phone_ticket}/check",
        data={"csrf_token": _csrf(client, page), "code": code},
    )
    client.post(
        f"/agent/identity/tickets/{phone_ticket}/contact",
        data={"csrf_token": _csrf(client, page), "email": person.email, "address": person.address},
    )

    # Email over real SMTP, with an attachment; acknowledged by mail.
    mail = EmailMessage()
    mail["From"] = f"{person.name} <{person.email}>"
    mail["To"] = "support@helpdesk.test"
    mail["Subject"] = f"Invoice question {person.words['mail']}"
    mail["Message-ID"] = f"<{secrets.token_hex(8)}@example.org>"
    mail.set_content(f"Hello, I am {person.name}, {person.address}. {person.words['mail']}")
    mail.add_attachment(
        f"scan of my bill {person.words['file']}".encode(),
        maintype="application",
        subtype="pdf",
        filename=f"bill-{person.surname}.pdf",
    )
    send(smtp_server.port, mail, mail_from=person.email)
    support.run_jobs(app)
    with app.app_context():
        email_ticket = db.session.scalar(
            select(Ticket.id).where(Ticket.channel == "email").order_by(Ticket.id.desc())
        )
        customer_id = db.session.get(Ticket, email_ticket).customer_id
        assert db.session.get(Ticket, phone_ticket).customer_id == customer_id

    # The agent replies by email and resolves the phone ticket; the answer is published.
    page = f"/agent/tickets/{email_ticket}"
    client.post(
        f"{page}/reply",
        data={
            "csrf_token": _csrf(client, page),
            "version": _version(app, email_ticket),
            "body": f"Dear {person.name}, we fixed it {person.words['reply']}",
            "channel": "email",
        },
    )
    with app.app_context():
        settings.put("community_auto_publish", True)
        db.session.commit()
    page = f"/agent/tickets/{phone_ticket}"
    client.post(
        f"{page}/status",
        data={
            "csrf_token": _csrf(client, page),
            "version": _version(app, phone_ticket),
            "status": "resolved",
            "summary": f"Turn the thermostat to 3. {person.words['summary']}",
        },
    )
    support.run_jobs(app)
    # One more reply, whose delivery fails (the relay is down): a failed job left in Redis.
    working_port = app.config["SMTP_RELAY_PORT"]
    app.config["SMTP_RELAY_PORT"] = support.free_port()
    smtp.close()  # drop the pooled connection to the working relay
    page = f"/agent/tickets/{email_ticket}"
    client.post(
        f"{page}/reply",
        data={
            "csrf_token": _csrf(client, page),
            "version": _version(app, email_ticket),
            "body": f"One more thing {person.words['later']}",
            "channel": "email",
        },
    )
    support.run_jobs(app)
    app.config["SMTP_RELAY_PORT"] = working_port
    smtp.close()
    return customer_id


def _found(haystack: str, values: list[str]) -> list[str]:
    lowered = haystack.lower()
    return [v for v in values if v.lower() in lowered]


def scan_database(app, values: list[str]) -> list[str]:
    """Every column of every table the database has (reflected, so FTS shadow tables and
    anything no model declares are included)."""
    hits = []
    with app.app_context():
        metadata = MetaData()
        metadata.reflect(bind=db.engine)
        with db.engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    for column, value in zip(table.columns, row, strict=True):
                        if value is None:
                            continue
                        blob = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                        hits += [f"{table.name}.{column.name}: {v}" for v in _found(blob, values)]
            if db.engine.dialect.name == "postgresql":
                # tsvector lexemes of whatever remains (none of theirs may).
                vectors = conn.execute(text("SELECT search_vector::text FROM articles")).scalars()
                for vector in vectors:
                    hits += [f"articles.search_vector: {v}" for v in _found(vector, values)]
    return hits


def scan_files(root: Path, values: list[str]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            blob = path.read_bytes().decode("latin-1")
            hits += [f"{path}: {v}" for v in _found(blob, values)]
    return hits


def scan_redis(values: list[str]) -> list[str]:
    redis = Redis.from_url(TEST_REDIS_URL)
    hits = []
    for key in redis.scan_iter(count=1000):
        kind = redis.type(key).decode()
        if kind == "string":
            content = [redis.get(key) or b""]
        elif kind == "hash":
            content = [b"%s=%s" % pair for pair in redis.hgetall(key).items()]
        elif kind == "list":
            content = redis.lrange(key, 0, -1)
        elif kind == "set":
            content = list(redis.smembers(key))
        elif kind == "zset":
            content = redis.zrange(key, 0, -1)
        else:
            content = []
        blob = b" ".join([key, *content]).decode("latin-1")
        hits += [f"redis {key!r}: {v}" for v in _found(blob, values)]
    redis.close()
    return hits


def test_erased_customer_leaves_no_trace_anywhere(
    app, client, make_agent, smtp_server, twilio_stub, mail_sink, queue_name
):
    person = Person()
    make_agent(email="admin@example.test", role="admin", name="Ada Admin")
    support.login(client, "admin@example.test", "correct-horse-battery")
    customer_id = seed_everywhere(app, client, smtp_server, twilio_stub, person)

    values = person.values()
    # The seed really put their values everywhere we will look.
    assert scan_database(app, values)
    assert scan_files(Path(app.config["DATA_DIR"]), values)
    with app.app_context():
        [article] = db.session.scalars(select(Article)).all()  # drafted from their ticket
        failed = FailedJobRegistry(queue=rq_queue())
        assert failed.get_job_ids()  # the failed delivery waits in Redis

    # Erase through the admin pages: open tickets need a confirmation that closes them.
    page = f"/agent/admin/data-protection/customers/{customer_id}"
    summary = client.get(page).get_data(as_text=True)
    assert "still open" in summary
    refused = client.post(
        f"{page}/erase", data={"csrf_token": support.csrf_token(summary), "confirm_erase": "yes"}
    )
    assert refused.status_code == 409 and "Erasing closes them" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Customer, customer_id) is not None  # nothing happened yet
    done = client.post(
        f"{page}/erase",
        data={
            "csrf_token": support.csrf_token(summary),
            "confirm_erase": "yes",
            "confirm_open": "yes",
        },
    )
    assert done.status_code == 302
    support.run_jobs(app)
    status = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Complete" in status

    with app.app_context():
        assert db.session.get(Customer, customer_id) is None
        request = db.session.scalars(select(PrivacyRequest)).one()
        assert request.status == "done" and request.customer_id is None and not request.cleanup
        [erased] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "privacy.customer_erased")
        ).all()
        assert erased.customer_id is None and erased.ticket_id is None
        article = db.session.scalars(select(Article)).one()
        assert article.status == "retracted" and article.source_ticket_id is None
        assert failed.get_job_ids() == []  # their jobs are gone from Redis
    assert twilio_stub.deleted_recordings() == [person.recording_sid]

    hits = scan_database(app, values)
    hits += scan_files(Path(app.config["DATA_DIR"]), values)
    hits += scan_redis(values)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # the checkpoint already ran; close so nothing is cached
        database = Path(url.database)
        for path in (database, Path(f"{database}-wal")):
            if path.exists():
                blob = path.read_bytes().decode("latin-1")
                hits += [f"{path.name}: {v}" for v in _found(blob, values)]
    assert hits == [], "\n".join(hits)
