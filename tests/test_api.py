"""The JSON API over real HTTP (a live server), tokens from the admin page, and signed
webhooks delivered through the outbox to a local receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.api import openapi_paths
from app.domain import tickets
from app.domain.audit import SYSTEM
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import ApiToken, AuditEvent, Message, OutboxItem, Ticket
from tests import support

PASSWORD = "correct-horse-battery"


def _admin(app, make_agent):
    make_agent("boss@example.test", role="admin", name="Boss")
    client = app.test_client()
    support.login(client, "boss@example.test", PASSWORD)
    return client


def _token(client, name: str, scopes: list[str]) -> str:
    page = client.get("/agent/admin/integrations").get_data(as_text=True)
    response = client.post(
        "/agent/admin/integrations/tokens",
        data={"csrf_token": support.csrf_token(page), "name": name, "scopes": scopes},
    )
    assert response.status_code == 200
    return re.search(r"<code>(hdk_[^<]+)</code>", response.get_data(as_text=True)).group(1)


def _call(server, method: str, path: str, token: str | None = None, body: dict | None = None):
    request = urllib.request.Request(
        server.url + "/api/v1" + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_tokens_scopes_and_revocation_over_http(app, live_server, make_agent):
    admin = _admin(app, make_agent)
    reader = _token(admin, "CRM sync", ["tickets:read", "messages:read", "customers:read"])
    writer = _token(admin, "Web shop", ["tickets:write", "tickets:read"])
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).all()
        assert all(t.token_hash != reader and reader not in t.token_hash for t in stored)
        assert {t.prefix for t in stored} == {reader[:12], writer[:12]}
    assert _call(live_server, "GET", "/tickets")[0] == 401
    assert _call(live_server, "GET", "/tickets", "hdk_not-a-token")[0] == 401
    status, created = _call(
        live_server,
        "POST",
        "/tickets",
        writer,
        {"subject": "Order 5 missing", "body": "Where is it?", "email": "Shop@Example.test"},
    )
    assert status == 201 and created["reference"].startswith("HD-") and created["channel"] == "web"
    assert _call(live_server, "POST", "/tickets", reader, {"subject": "x", "body": "y"})[0] == 403
    assert _call(live_server, "POST", "/tickets", writer, {"subject": "x"})[0] == 422
    ref = created["reference"]
    status, listed = _call(live_server, "GET", "/tickets?limit=1", reader)
    assert status == 200 and listed["tickets"][0]["reference"] == ref
    status, messages = _call(live_server, "GET", f"/tickets/{ref}/messages", reader)
    assert [m["body_text"] for m in messages["messages"]] == ["Where is it?"]
    status, customer = _call(live_server, "GET", f"/customers/{created['customer_id']}", reader)
    assert customer["email"] == "shop@example.test" and customer["tickets"] == [ref]
    status, changed = _call(
        live_server, "PATCH", f"/tickets/{ref}", writer, {"priority": 3, "status": "open"}
    )
    assert status == 200 and (changed["priority"], changed["status"]) == (3, "open")
    assert _call(live_server, "PATCH", f"/tickets/{ref}", writer, {"status": "bogus"})[0] == 422
    assert _call(live_server, "GET", "/tickets/HD-000000", reader)[0] == 404
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "ticket.priority")
            ).actor_type
            == "integration"
        )
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "Web shop"))
    # Revoking works at once.
    page = admin.get("/agent/admin/integrations").get_data(as_text=True)
    admin.post(
        f"/agent/admin/integrations/tokens/{token_id}/revoke",
        data={"csrf_token": support.csrf_token(page)},
    )
    assert _call(live_server, "GET", "/tickets", writer)[0] == 401
    assert _call(live_server, "GET", "/tickets", reader)[0] == 200


def test_internal_notes_never_leave_through_the_api(app, client, make_agent):
    admin = _admin(app, make_agent)
    token = _token(admin, "Reader", ["messages:read"])
    with app.app_context():
        result = intake(
            InboundMessage(channel="email", sender_email="a@example.test", body_text="Hi")
        )
        db.session.add(
            Message(
                ticket=result.ticket,
                direction="out",
                channel="note",
                is_internal=True,
                body_text="secret note",
            )
        )
        db.session.commit()
        ref = result.ticket.reference
    response = client.get(
        f"/api/v1/tickets/{ref}/messages", headers={"Authorization": f"Bearer {token}"}
    )
    assert "secret note" not in response.get_data(as_text=True)


def test_openapi_documents_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routes = {
        re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)[len("/api/v1") :]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
    }
    assert routes == openapi_paths()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path != "/openapi.json":
                assert operation["x-scope"], (path, method)


class _Receiver:
    def __init__(self, fail: int = 0) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail:
                    receiver.fail -= 1
                    self.send_response(500)
                else:
                    receiver.received.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", support.free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = _Receiver(fail=1)
    yield r
    r.server.shutdown()


def test_webhooks_are_signed_and_retried_through_the_outbox(app, make_agent, receiver):
    admin = _admin(app, make_agent)
    page = admin.get("/agent/admin/integrations").get_data(as_text=True)
    response = admin.post(
        "/agent/admin/integrations/webhooks",
        data={
            "csrf_token": support.csrf_token(page),
            "url": receiver.url,
            "events": ["ticket.created", "ticket.resolved"],
        },
    )
    secret = re.search(r"<code>([0-9a-f]{64})</code>", response.get_data(as_text=True)).group(1)
    bad = admin.post(
        "/agent/admin/integrations/webhooks",
        data={
            "csrf_token": support.csrf_token(page),
            "url": "ftp://x",
            "events": ["ticket.created"],
        },
    )
    assert bad.status_code == 400 and "https://" in bad.get_data(as_text=True)
    with app.app_context():
        result = intake(
            InboundMessage(channel="email", sender_email="w@example.test", body_text="x")
        )
        db.session.commit()
        ticket_id = result.ticket.id
    support.run_jobs(app)  # the first POST gets 500: the job fails and is retried
    support.run_jobs(app)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    event = json.loads(body)
    assert headers["X-Helpdesk-Event"] == "ticket.created" == event["event"]
    timestamp, signature = re.match(
        r"t=(\d+),v1=([0-9a-f]+)", headers["X-Helpdesk-Signature"]
    ).groups()
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert event["ticket"]["reference"].startswith("HD-") and "email" not in event["ticket"]
    # Resolving sends ticket.resolved; a priority change (ticket.updated) is not subscribed.
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        tickets.set_priority(ticket, 2, SYSTEM)
        tickets.change_status(ticket, "resolved", SYSTEM)
        db.session.commit()
        assert (
            db.session.scalar(
                select(db.func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.topic == "webhook.deliver")
            )
            == 2
        )
    support.run_jobs(app)
    assert [json.loads(b)["event"] for _, b in receiver.received] == [
        "ticket.created",
        "ticket.resolved",
    ]
