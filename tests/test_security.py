"""Security properties checked over the whole URL map, so new routes are covered automatically."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from tests import support

# Routes that must accept POSTs without a CSRF token, and why.
CSRF_EXEMPT_PREFIXES = ("/twilio/",)  # Twilio signs its requests instead (403 without)
TOKEN_PREFIXES = ("/api/",)  # the JSON API takes a bearer token, no cookies (401 without)


def _concrete(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "1" if "id" in m.group(1) else "x", rule.rule)


def _post_rules(app):
    return [r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static"]


def test_every_post_route_refuses_a_request_without_csrf_token(app, logged_in):
    client, _ = logged_in
    app.config["WTF_CSRF_ENABLED"] = True
    checked = 0
    for rule in _post_rules(app):
        path = _concrete(rule)
        response = client.post(path, data={"body": "x", "status": "resolved"})
        if path.startswith(CSRF_EXEMPT_PREFIXES):
            assert response.status_code == 403, path  # unsigned Twilio request
        elif path.startswith(TOKEN_PREFIXES):
            assert response.status_code == 401, path  # no API token
        else:
            assert response.status_code == 400, (path, response.status_code)
        checked += 1
    assert checked >= 25


def test_anonymous_visitors_reach_no_agent_admin_or_draft_route(app, client):
    with app.app_context():
        intake(InboundMessage(channel="email", sender_email="a@example.test", body_text="x"))
        db.session.commit()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/agent"):
            continue
        response = client.get(_concrete(rule))
        assert response.status_code == 302, rule.rule
        assert "/login" in response.headers["Location"], rule.rule


def test_agents_reach_no_admin_route(app, logged_in):
    client, _ = logged_in
    admin_rules = [r for r in app.url_map.iter_rules() if "/admin" in r.rule]
    assert len(admin_rules) >= 8
    for rule in admin_rules:
        path = _concrete(rule)
        if "GET" in rule.methods:
            assert client.get(path).status_code == 403, path
        if "POST" in rule.methods:
            page = client.get("/agent/").get_data(as_text=True)
            response = client.post(path, data={"csrf_token": support.csrf_token(page)})
            assert response.status_code == 403, path


@pytest.mark.parametrize("path", ["/", "/callback", "/login", "/search?q=wifi", "/healthz"])
def test_security_headers_on_public_pages(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
        assert " style=" not in html and "<style" not in html, "inline style"


def test_session_cookie_flags_in_production_settings(app, make_agent):
    app.config.update(SESSION_COOKIE_SECURE=True)
    make_agent()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={
            "csrf_token": support.csrf_token(page),
            "email": "agent@example.test",
            "password": "correct-horse-battery",
        },
    )
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and "session=" in v)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_html_mail_is_neutralised_in_the_agent_view(app, logged_in):
    client, _ = logged_in
    html = (
        '<p onclick="steal()">Hi</p><script>alert(1)</script>'
        '<img src="https://tracker.example/pixel.gif"><a href="javascript:alert(1)">x</a>'
    )
    with app.app_context():
        result = intake(
            InboundMessage(
                channel="email", sender_email="a@example.test", body_text="Hi", body_html=html
            )
        )
        db.session.commit()
        message_id, ticket_id = result.message.id, result.ticket.id
    stored = client.get(f"/agent/messages/{message_id}/html")
    body = stored.get_data(as_text=True)
    assert "<script" not in body and "onclick" not in body and "javascript:" not in body
    csp = stored.headers["Content-Security-Policy"]
    assert "img-src data: cid:" in csp and "sandbox" in csp  # remote images are not loaded
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "tracker.example" not in page  # the ticket page shows text only


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(max_size=200),
    phone=st.text(max_size=40),
    when=st.text(max_size=20),
    topic=st.text(max_size=300),
)
def test_fuzz_callback_form_never_500s(client, name, phone, when, topic):
    html = client.get("/callback").get_data(as_text=True)
    response = client.post(
        "/callback",
        data={
            "csrf_token": support.csrf_token(html),
            "name": name,
            "phone": phone,
            "when": when,
            "topic": topic,
        },
    )
    assert response.status_code in (200, 302, 400, 429)


_printable = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sender=_printable, body=_printable, sid=st.text(max_size=40), digits=st.text(max_size=5))
def test_fuzz_signed_webhooks_never_500(client, sender, body, sid, digits):
    for path, params in (
        ("/twilio/sms", {"From": sender, "Body": body, "MessageSid": sid}),
        ("/twilio/voice/menu", {"From": sender, "Digits": digits, "CallSid": sid}),
        (
            "/twilio/status",
            {"CallSid": sid, "CallStatus": body[:20], "MessageSid": sid, "MessageStatus": digits},
        ),
    ):
        response = support.twilio_post(client, path, params)
        assert response.status_code in (200, 204), (path, response.status_code)
