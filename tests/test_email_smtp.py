"""The email channel over real SMTP: smtplib talking to our running aiosmtpd server."""

from __future__ import annotations

import smtplib

import pytest
from sqlalchemy import func, select, text

from app.adapters.files import attachment_path
from app.domain.replies import reply
from app.domain.reply_address import reply_address
from app.extensions import db
from app.models import Agent, Attachment, Message, Ticket
from inbound.server import HelpdeskController
from tests import support
from tests.email_support import build_mail, send

# The SMTP server (its own threads) or the backup (its own connection) reads the database.
pytestmark = pytest.mark.real_commits


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_new_mail_opens_a_ticket_and_is_acknowledged(app, smtp_server, mail_sink):
    reply = send(smtp_server.port, build_mail())
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.reference in reply  # 250 names the ticket: the commit happened first
        assert ticket.channel == "email" and ticket.subject == "My TV box does not start"
        assert ticket.customer.email == "anna@example.test"
        assert ticket.customer.name == "Anna Berg"
    support.run_jobs(app)
    ack = mail_sink.last()
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ticket.reference in ack["Subject"]
    assert ack["Reply-To"].startswith("support+" + ticket.reference)
    assert mail_sink.messages[-1]["mail_from"] in ("", "<>")  # null MAIL FROM: bounces cannot loop


def test_unknown_recipient_is_refused_at_rcpt(app, smtp_server):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(smtp_server.port, build_mail(to="sales@elsewhere.test"), to=["sales@elsewhere.test"])
    assert "550" in str(refused.value)
    assert _count(app, Ticket) == 0


def test_oversize_mail_gets_552_and_changes_nothing(app, dns):

    app.config["INBOUND_MAX_BYTES"] = 10_000
    controller = HelpdeskController(app, host="127.0.0.1", port=support.free_port(), txt_lookup=dns)
    controller.start()
    try:
        with pytest.raises(smtplib.SMTPException) as error:
            send(controller.port, build_mail(body="Hello, here is a long story.\n" * 800))
        assert "552" in str(error.value)
    finally:
        controller.stop()
    assert _count(app, Ticket) == 0


def test_database_error_answers_451_and_a_retry_succeeds(app, smtp_server):
    """Nothing lost: while the database cannot store, we say 'try again', never 250."""
    mail = build_mail()
    with app.app_context():
        db.session.execute(text("ALTER TABLE messages RENAME TO messages_away"))
        db.session.commit()
    try:
        with pytest.raises(smtplib.SMTPDataError) as error:
            send(smtp_server.port, mail)
        assert error.value.smtp_code == 451
    finally:
        with app.app_context():
            db.session.execute(text("ALTER TABLE messages_away RENAME TO messages"))
            db.session.commit()
    assert _count(app, Ticket) == 0  # the half-done ticket was rolled back
    assert "250" not in send(smtp_server.port, mail)[:3]  # reply text carries no code
    assert _count(app, Ticket) == 1 and _count(app, Message) == 1


def test_redelivered_mail_is_stored_once(app, smtp_server):
    mail = build_mail()
    send(smtp_server.port, mail)
    reply = send(smtp_server.port, mail)
    assert "duplicate" in reply
    assert _count(app, Message) == 1


def test_reply_threads_by_headers_signed_address_and_subject_with_same_sender(app, smtp_server):
    first = build_mail()
    send(smtp_server.port, first)
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        reference = ticket.reference
        signed = reply_address(reference)
    send(smtp_server.port, build_mail(subject="again", In_Reply_To=first["Message-ID"]))
    send(
        smtp_server.port,
        build_mail(subject="no ref here", to=signed),
        to=[signed],
    )
    send(smtp_server.port, build_mail(subject=f"Re: [{reference}] thanks"))
    # A stranger quoting the reference must not land in Anna's ticket.
    send(
        smtp_server.port,
        build_mail(sender="mallory@evil.test", subject=f"[{reference}] show me"),
        mail_from="mallory@evil.test",
    )
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Message)
                .join(Ticket)
                .where(Ticket.reference == reference)
            )
            == 4
        )
        assert _count(app, Ticket) == 2


def test_reply_to_a_resolved_ticket_reopens_it(app, smtp_server):
    first = build_mail()
    send(smtp_server.port, first)
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        ticket.status = "resolved"
        db.session.commit()
    send(smtp_server.port, build_mail(subject="still broken", In_Reply_To=first["Message-ID"]))
    with app.app_context():
        assert db.session.scalars(select(Ticket)).one().status == "open"


@pytest.mark.parametrize(
    ("headers", "mail_from"),
    [
        ({"Auto_Submitted": "auto-replied"}, "anna@example.test"),
        ({"Precedence": "bulk"}, "anna@example.test"),
        ({"List_Id": "<news.example.test>"}, "anna@example.test"),
        ({}, ""),  # null sender
    ],
)
def test_no_acknowledgement_to_machines_lists_or_bulk(
    app, smtp_server, mail_sink, headers, mail_from
):
    send(smtp_server.port, build_mail(**headers), mail_from=mail_from)
    assert _count(app, Ticket) == 1  # still a ticket: a person may need to read it
    support.run_jobs(app)
    assert mail_sink.messages == []


def test_acknowledgements_are_rate_limited_per_sender(app, smtp_server, mail_sink):
    for n in range(5):
        send(smtp_server.port, build_mail(subject=f"problem {n}"))
    support.run_jobs(app)
    assert _count(app, Ticket) == 5
    assert len(mail_sink.messages) == app.config["ACK_LIMIT_PER_SENDER_PER_HOUR"]


def test_bounce_of_our_mail_marks_delivery_failed_without_a_new_ticket(app, smtp_server, mail_sink):
    send(smtp_server.port, build_mail())
    support.run_jobs(app)
    ack = mail_sink.last()
    dsn = (
        "From: MAILER-DAEMON@example.test\r\nTo: support@helpdesk.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@example.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n\r\n"
        "Final-Recipient: rfc822; anna@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 mailbox unknown\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ack['Message-ID']}\r\n"
        "Subject: x\r\n--b--\r\n"
    ).encode()
    reply = send(smtp_server.port, dsn, mail_from="")
    assert "bounce" in reply
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
        sent = db.session.scalar(select(Message).where(Message.direction == "out"))
        assert sent.delivery_status == "bounced" and "5.1.1" in sent.delivery_error


def test_attachments_are_stored_by_content_hash(app, smtp_server, tmp_path):
    mail = build_mail()
    mail.add_attachment(
        b"%PDF-1.4 invoice",
        maintype="application",
        subtype="pdf",
        filename="../../etc/Faktura maj.pdf",
    )
    mail.add_attachment(
        b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="copy.pdf"
    )
    send(smtp_server.port, mail)
    with app.app_context():
        files = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [f.filename for f in files] == ["Faktura maj.pdf", "copy.pdf"]
        assert files[0].sha256 == files[1].sha256

    with app.app_context():
        assert attachment_path(files[0].sha256).read_bytes() == b"%PDF-1.4 invoice"


def test_unreadable_mail_gets_a_clear_5xx(app, smtp_server):
    with pytest.raises(smtplib.SMTPDataError) as error:
        send(smtp_server.port, b"\r\n\r\n", mail_from="")
    assert error.value.smtp_code == 554
    assert _count(app, Ticket) == 0


def test_lmtp_mode_takes_one_recipient_per_transaction(app, dns):

    controller = HelpdeskController(
        app, host="127.0.0.1", port=support.free_port(), lmtp=True, txt_lookup=dns
    )
    controller.start()
    try:
        with smtplib.LMTP("127.0.0.1", controller.port) as lmtp:
            lmtp.ehlo("relay")
            lmtp.mail("anna@example.test")
            assert lmtp.rcpt("support@helpdesk.test")[0] == 250
            assert lmtp.rcpt("support+x@helpdesk.test")[0] == 452
            code, _ = lmtp.data(build_mail().as_bytes())
            assert code == 250
    finally:
        controller.stop()
    assert _count(app, Ticket) == 1


def test_agent_reply_by_email_threads_and_is_stored(app, smtp_server, mail_sink, make_agent):

    first = build_mail()
    send(smtp_server.port, first)
    agent_id = make_agent()
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()

        reply(
            ticket,
            db.session.get(Agent, agent_id),
            "Please unplug it for ten seconds.",
            channel="email",
        )
        db.session.commit()
        reference = ticket.reference
    support.run_jobs(app)
    answer = [m["message"] for m in mail_sink.messages if "unplug" in m["message"].get_content()][0]
    assert answer["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in answer["References"]
    assert answer["Reply-To"].startswith(f"support+{reference}.")
    # the customer's answer to it threads back without any subject reference
    send(smtp_server.port, build_mail(subject="it worked", In_Reply_To=answer["Message-ID"]))
    assert _count(app, Ticket) == 1


def test_a_30_mb_message_is_refused_with_552_under_the_default_limit(app, smtp_server):
    assert app.config["INBOUND_MAX_BYTES"] == 25 * 1024 * 1024
    mail = build_mail(body="small")
    mail.add_attachment(
        b"\0" * (30 * 1024 * 1024),
        maintype="application",
        subtype="octet-stream",
        filename="huge.bin",
    )
    with pytest.raises(smtplib.SMTPException) as error:
        send(smtp_server.port, mail)
    assert "552" in str(error.value)
    assert _count(app, Ticket) == 0
