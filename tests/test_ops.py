"""Operations: probes, metrics, the admin jobs page, and logs without private data."""

from __future__ import annotations

import io
import logging

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.logs import PrivacyFilter, scrub
from app.models import OutboxItem
from tests import support


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_ok_when_database_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json


def test_readyz_names_redis_when_it_is_down(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{support.free_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["problems"] == {"redis": "ConnectionError"}


def test_metrics_report_tickets_by_channel_outbox_and_queue(app, client):
    app.config["METRICS_TOKEN"] = "test-metrics-token"
    bearer = {"Authorization": "Bearer test-metrics-token"}
    with app.app_context():
        intake(InboundMessage(channel="email", sender_email="a@example.test", body_text="hi"))
        intake(InboundMessage(channel="sms", sender_phone="+46701234567", body_text="hi"))
        intake(InboundMessage(channel="sms", sender_phone="+46701234568", body_text="hi"))
        db.session.commit()
    text = client.get("/metrics", headers=bearer).get_data(as_text=True)
    assert 'helpdesk_tickets_opened{channel="email"} 1.0' in text
    assert 'helpdesk_tickets_opened{channel="sms"} 2.0' in text
    assert "helpdesk_outbox_lag_seconds " in text
    assert "helpdesk_queue_length 0.0" in text
    assert "helpdesk_smtp_transactions_total" in text or "helpdesk_smtp_transactions" in text
    # every request is timed by endpoint, webhooks included
    client.get("/healthz")
    text = client.get("/metrics", headers=bearer).get_data(as_text=True)
    assert 'helpdesk_http_request_seconds_count{endpoint="ops.healthz"}' in text


def test_jobs_page_is_for_admins_only(app, client, make_agent):
    assert client.get("/agent/admin/jobs").status_code == 302  # to the login page
    make_agent("agent@example.test", role="agent")
    support.login(client, "agent@example.test", "correct-horse-battery")
    assert client.get("/agent/admin/jobs").status_code == 403


def test_admin_sees_failed_work_and_can_retry_it(app, client, make_agent):
    with app.app_context():
        item = OutboxItem(topic="message.deliver", payload={}, failed=True, last_error="Boom: x")
        db.session.add(item)
        db.session.commit()
        item_id = item.id
    make_agent("boss@example.test", role="admin")
    support.login(client, "boss@example.test", "correct-horse-battery")
    page = client.get("/agent/admin/jobs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Boom: x" in html
    assert client.post(f"/agent/admin/jobs/{item_id}/retry").status_code == 400  # no CSRF token
    response = client.post(
        f"/agent/admin/jobs/{item_id}/retry", data={"csrf_token": support.csrf_token(html)}
    )
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(OutboxItem, item_id)
        assert item.failed is False and item.dispatched_at is None


def test_scrub_removes_emails_phones_and_codes_but_keeps_references():
    line = "from Anna.Berg+x@mail.example.se via +46 70-123 45 67 code 482913 on HD-482913"
    cleaned = scrub(line)
    assert "Anna.Berg" not in cleaned and "mail.example" not in cleaned
    assert "70-123" not in cleaned and "482913 on" not in cleaned
    assert "HD-482913" in cleaned


def test_log_records_are_scrubbed_before_any_handler(caplog):
    logger = logging.getLogger("helpdesk.test")
    record = logger.makeRecord(
        "helpdesk.test",
        logging.INFO,
        __file__,
        1,
        "sms from %s: %s",
        ("+46701234567", "123456"),
        None,
    )
    PrivacyFilter().filter(record)
    assert record.getMessage() == "sms from [phone]: [number]"


def test_the_installed_log_handler_writes_no_private_data(app):
    """The handler create_app installs on the root logger scrubs what any module logs."""

    [handler] = [h for h in logging.getLogger().handlers if getattr(h, "_helpdesk", False)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("app.domain.intake").warning(
            "stored mail from %s, phone %s, code %s",
            "secret.person@example.test",
            "070-123 45 67",
            "654321",
        )
    finally:
        handler.setStream(previous)
    written = stream.getvalue()
    assert "stored mail from [email], phone [phone], code [number]" in written
    assert "secret.person" not in written and "654321" not in written
