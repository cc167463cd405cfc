from sqlalchemy import func, select

from app.extensions import db
from app.models import Agent, AuditEvent
from tests.support import csrf_token, login


def test_anonymous_agent_pages_redirect_to_login(client):
    response = client.get("/agent/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_and_queue_and_logout(client, make_agent, ctx):
    make_agent()
    response = login(client, "agent@example.test", "correct-horse-battery")
    assert response.status_code == 302
    queue = client.get("/agent/")
    assert queue.status_code == 200
    assert "Queue" in queue.text
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    logout = client.post("/logout", data={"csrf_token": csrf_token(queue.text)})
    assert logout.status_code == 302
    assert client.get("/agent/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_agent):
    make_agent()
    wrong = login(client, "agent@example.test", "not-the-password")
    unknown = login(client, "nobody@example.test", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    message = "That email and password do not match an active account."
    assert message in wrong.text and message in unknown.text


def test_login_without_csrf_token_is_refused(client, make_agent):
    make_agent()
    response = client.post(
        "/login", data={"email": "agent@example.test", "password": "correct-horse-battery"}
    )
    assert response.status_code == 400
    assert client.get("/agent/").status_code == 302


def test_repeated_failures_are_rate_limited_even_with_the_right_password(client, make_agent, ctx):

    make_agent()
    for _ in range(5):
        assert login(client, "agent@example.test", "guess").status_code == 401
    blocked = login(client, "agent@example.test", "correct-horse-battery")
    assert blocked.status_code == 429
    assert client.get("/agent/").status_code == 302
    failures = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "agent.login_failed")
    )
    assert failures == 5


def test_deactivated_agent_cannot_log_in(client, make_agent, ctx):

    agent_id = make_agent()
    db.session.get(Agent, agent_id).active = False
    db.session.commit()
    assert login(client, "agent@example.test", "correct-horse-battery").status_code == 401


def test_password_is_hashed_with_argon2(make_agent, ctx):

    agent = db.session.get(Agent, make_agent())
    assert agent.password_hash.startswith("$argon2")
    assert "correct-horse-battery" not in agent.password_hash


def test_open_redirect_after_login_is_refused(client, make_agent):
    make_agent()
    page = client.get("/login")
    response = client.post(
        "/login?next=//evil.example/",
        data={
            "email": "agent@example.test",
            "password": "correct-horse-battery",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.headers["Location"] == "/agent/"


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
