"""A full attachment store during DATA: a temporary 4xx, a clean SMTP transaction, no leftovers."""

from __future__ import annotations

import smtplib
from email import policy

from sqlalchemy import func, select

from app.extensions import db
from app.models import Message, Ticket
from tests.email_support import build_mail
from tests.fault_support import capped_directory


def test_full_attachment_store_answers_452_and_the_next_mail_on_the_connection_works(
    app, smtp_server, tmp_path
):
    store = tmp_path / "small-store"
    with capped_directory(store, 256 * 1024) as cap:
        app.config["ATTACHMENT_DIR"] = str(store)
        big = build_mail(subject="Photos of the broken box")
        big.add_attachment(
            b"\x89PNG" + b"x" * 400_000, maintype="image", subtype="png", filename="box.png"
        )
        small = build_mail(sender="Bo <bo@example.test>", subject="No attachment here")
        with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as smtp:
            smtp.ehlo("client.example.test")
            smtp.mail("anna@example.test")
            smtp.rcpt("support@helpdesk.test")
            code, reply = smtp.data(big.as_bytes(policy=policy.SMTP))
            assert code == 452, reply  # temporary: the sender's MTA retries later
            # The failed transaction is over: a new MAIL FROM is not "nested".
            assert smtp.mail("bo@example.test")[0] == 250
            assert smtp.rcpt("support@helpdesk.test")[0] == 250
            code, reply = smtp.data(small.as_bytes(policy=policy.SMTP))
            assert code == 250, reply
        leftovers = [p for p in store.rglob("*") if p.is_file()]
        assert leftovers == [], f"{cap.kind} store keeps {leftovers}"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
        stored = db.session.scalar(select(Message))
        assert stored.sender == "bo@example.test"  # not the failed transaction's sender
        assert stored.subject == "No attachment here"
