"""Agents attach files to email replies: size-limited as for intake, stored once by hash."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import select

from app.adapters.files import attachment_path
from app.extensions import db
from app.models import Attachment, Message, Ticket
from tests import support
from tests.test_agent_queue import _open

PDF = b"%PDF-1.4 a small manual\n" * 20


def _post(client, app, ticket_id, files, channel="email"):
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(Ticket, ticket_id).version
    return client.post(
        f"/agent/tickets/{ticket_id}/reply",
        data={
            "csrf_token": support.csrf_token(page),
            "version": version,
            "body": "Here is the manual.",
            "channel": channel,
            "attachments": [(io.BytesIO(data), name) for name, data in files],
        },
        content_type="multipart/form-data",
    )


def test_a_reply_carries_the_files_and_stores_them_once(app, logged_in, mail_sink):
    client, _ = logged_in
    first, second = _open(app, 2)
    page = client.get(f"/agent/tickets/{first}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="attachments"' in page
    response = _post(client, app, first, [("manual.pdf", PDF), ("../../etc/notes.txt", b"hi")])
    assert response.status_code == 302
    _post(client, app, second, [("manual.pdf", PDF)])  # the same file to someone else
    support.run_jobs(app)
    mails = [m["message"] for m in mail_sink.messages]
    assert len(mails) == 2
    parts = {p.get_filename(): p.get_payload(decode=True) for p in mails[0].iter_attachments()}
    assert parts == {"manual.pdf": PDF, "etc_notes.txt": b"hi"}
    digest = hashlib.sha256(PDF).hexdigest()
    with app.app_context():
        rows = db.session.scalars(select(Attachment).where(Attachment.sha256 == digest)).all()
        assert len(rows) == 2 and {r.message.direction for r in rows} == {"out"}
        assert attachment_path(digest).read_bytes() == PDF  # one file for both
    html = client.get(f"/agent/tickets/{first}").get_data(as_text=True)
    assert "manual.pdf" in html


def test_files_are_refused_by_sms_and_over_the_size_limit(app, logged_in, mail_sink):
    client, _ = logged_in
    [ticket_id] = _open(app, 1, email="x@example.test")
    with app.app_context():
        db.session.get(Ticket, ticket_id).customer.phone = "+46701234567"
        db.session.commit()
    response = _post(client, app, ticket_id, [("a.txt", b"x")], channel="sms")
    assert "only be sent by email" in client.get(response.headers["Location"]).text
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    response = _post(client, app, ticket_id, [("big.bin", b"x" * 101)])
    assert "at most" in client.get(response.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.direction == "out")) is None
        assert db.session.scalar(select(Attachment)) is None
