"""Closing the loop: resolution notice in the customer's channel and language, satisfaction
answered by SMS reply or one click in the mail, results per agent/channel/week."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Message, SatisfactionSurvey, Ticket
from tests import support
from tests.test_agent_queue import _open
from tests.test_phone import sms

PASSWORD = "correct-horse-battery"


def _resolve(app, client, ticket_id: int, notify: bool = True):
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(Ticket, ticket_id).version
    data = {
        "csrf_token": support.csrf_token(page),
        "version": version,
        "status": "resolved",
        "summary": "We reset your router.",
    }
    if notify:
        data["notify_customer"] = "1"
    return client.post(f"/agent/tickets/{ticket_id}/status", data=data)


def test_mail_customer_gets_notice_and_answers_with_one_click(app, client, make_agent, mail_sink):
    make_agent("boss@example.test", role="admin", name="Boss Berg")
    support.login(client, "boss@example.test", PASSWORD)
    [ticket_id] = _open(app, 1, email="eva@example.test", subject="Router")
    with app.app_context():
        db.session.get(Ticket, ticket_id).language = "sv"
        db.session.commit()
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Tell the customer and ask how we did" in page
    client.post(
        f"/agent/tickets/{ticket_id}/claim",
        data={"csrf_token": support.csrf_token(page), "version": 1},
    )
    _resolve(app, client, ticket_id)
    support.run_jobs(app)
    mail = mail_sink.last()
    body = mail.get_content()
    assert mail["To"] == "eva@example.test" and "[HD-" in mail["Subject"]
    assert "Vi har löst ditt ärende" in body and "We reset your router." in body  # Swedish
    links = re.findall(r"(http\S+/survey/\S+\?score=\d)", body)
    assert len(links) == 3
    # One click, no login: the page opens with the answer chosen; nothing is recorded by a
    # visit alone (mail scanners follow links), the button records it.
    visitor = app.test_client()
    url = urlsplit(links[0])
    answer_page = visitor.get(f"{url.path}?{url.query}").get_data(as_text=True)
    assert 'value="1" checked' in answer_page and "Hur skötte vi det?" in answer_page
    with app.app_context():
        assert db.session.scalar(select(SatisfactionSurvey)).score is None
    done = visitor.post(
        url.path, data={"csrf_token": support.csrf_token(answer_page), "score": "1"}
    )
    assert done.status_code == 200 and "Tack för ditt svar" in done.get_data(as_text=True)
    assert visitor.get(url.path[:-3] + "bad").status_code == 404  # a forged token
    with app.app_context():
        survey = db.session.scalar(select(SatisfactionSurvey))
        assert (survey.score, survey.answered_via, survey.channel) == (1, "email", "email")
        assert (
            db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "survey.answered")
            ).detail["score"]
            == 1
        )
    results = client.get("/agent/admin/satisfaction").get_data(as_text=True)
    assert "Boss Berg" in results and re.search(r"<td>1 \(100 %\)</td>", results)
    assert re.search(r"\d{4}-W\d{2}", results)


def test_sms_customer_gets_notice_and_answers_by_reply(app, client, make_agent, twilio_stub):
    make_agent("a@example.test", name="Anna")
    sms(client, "My TV is black", sid="SM100")
    support.login(client, "a@example.test", PASSWORD)
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id))
    _resolve(app, client, ticket_id)
    support.run_jobs(app)
    sent = twilio_stub.messages()[-1]
    assert "is resolved" in sent.value("Body") and "Reply 1 good" in sent.value("Body")
    reply = sms(client, " 3 ", sid="SM101")
    assert "Thank you for your answer" in reply.get_data(as_text=True)
    with app.app_context():
        survey = db.session.scalar(select(SatisfactionSurvey))
        assert (survey.score, survey.answered_via, survey.channel) == (3, "sms", "sms")
        # The answer did not reopen the ticket nor open a new one.
        assert db.session.scalar(select(Ticket.status)) == "resolved"
        assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 1
    # Without an open question, "2" is an ordinary message (here: a new ticket).
    with app.app_context():
        db.session.execute(db.delete(SatisfactionSurvey))
        db.session.commit()
    sms(client, "2", sid="SM102")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 2


def test_no_notice_when_the_agent_unticks_it(app, logged_in, mail_sink):
    client, _ = logged_in
    [ticket_id] = _open(app, 1, email="spam@example.test")
    _resolve(app, client, ticket_id, notify=False)
    support.run_jobs(app)
    assert mail_sink.messages == []
    with app.app_context():
        assert db.session.scalar(select(SatisfactionSurvey)) is None
        assert db.session.get(Ticket, ticket_id).status == "resolved"
        assert (
            db.session.scalar(
                select(Message).where(Message.direction == "out", Message.is_internal.is_(False))
            )
            is None
        )


def test_satisfaction_page_bounds_the_range_and_is_for_admins(app, client, make_agent):
    make_agent("a@example.test")
    make_agent("boss@example.test", role="admin")
    support.login(client, "a@example.test", PASSWORD)
    assert client.get("/agent/admin/satisfaction").status_code == 403
    boss = app.test_client()
    support.login(boss, "boss@example.test", PASSWORD)
    html = boss.get("/agent/admin/satisfaction?from=2000-01-01&to=2026-01-01").text
    assert "At most one year" in html and 'value="2025-01-01"' in html
    assert "could not be read" in boss.get("/agent/admin/satisfaction?from=nope").text
