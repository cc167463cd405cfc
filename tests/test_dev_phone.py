"""Issue 13 item 14: the phone side in development — the local Twilio stand-in that `make run`
starts, and the development phone page (texts and key presses through the signed webhooks)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.adapters import twilio_rest
from app.devtools.twilio_standin import make_server, read_log
from app.extensions import db
from app.models import CallbackRequest, SatisfactionSurvey
from tests import support
from tests.test_accessibility import AXE
from tests.test_browser_customer import no_violations, shot
from tests.test_surveys import _resolve
from tests.test_voice_reply import _voicemail_ticket

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def phone_axe_page(browser):
    assert AXE.exists(), "axe-core is missing: run scripts/setup.sh with WITH_BROWSER=1"
    context = browser.new_context(bypass_csp=True)  # only to inject axe itself
    yield context.new_page()
    context.close()


@pytest.fixture
def standin(tmp_path):
    log = tmp_path / "phone.jsonl"
    server = make_server("127.0.0.1", support.free_port(), log)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.log = log
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


def test_make_run_starts_the_standin_and_points_the_worker_at_it():
    procfile = (ROOT / "Procfile").read_text()
    assert "app.devtools.twilio_standin" in procfile
    run = (ROOT / "scripts/run.sh").read_text()
    assert "TWILIO_API_BASE_URL=${TWILIO_API_BASE_URL:-http://127.0.0.1:5099}" in run


def test_the_standin_answers_like_twilio_and_keeps_what_we_sent(app, standin):
    app.config["TWILIO_API_BASE_URL"] = standin.url
    with app.app_context():
        sid = twilio_rest.send_sms("+46701234567", "Your reference is HD-1234")
        call_sid = twilio_rest.start_call("+46709999999", url="http://x/twilio/connect/1")
    assert sid.startswith("SM") and call_sid.startswith("CA")
    sent = read_log(standin.log)
    assert [entry["kind"] for entry in sent] == ["call", "sms"]  # newest first
    assert sent[1]["body"] == "Your reference is HD-1234" and sent[1]["to"] == "+46701234567"


def test_the_phone_page_exists_only_in_development(app):
    assert any(rule.rule == "/agent/dev/phone" for rule in app.url_map.iter_rules())
    production = create_app({**app.config, "HELPDESK_ENV": "production"})
    assert not any(rule.rule.startswith("/agent/dev") for rule in production.url_map.iter_rules())


@pytest.mark.browser
def test_text_and_call_us_from_the_phone_page(
    app, live_server, phone_axe_page, make_agent, standin
):
    app.config.update(TWILIO_API_BASE_URL=standin.url, TWILIO_STANDIN_LOG=str(standin.log))
    make_agent()
    page = phone_axe_page
    page.goto(live_server.url + "/login")
    page.fill("input[name=email]", "agent@example.test")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url("**/agent/**")
    with app.app_context():  # what a worker sends lands in the stand-in's log
        twilio_rest.send_sms("+46701234567", "We will call you tomorrow between 8 and 12.")
        # a call we placed: the table offers to answer it (checked by axe below)
        twilio_rest.start_call("+4687654321", url=twilio_rest.public_url("/twilio/voice-reply/1"))
    page.goto(live_server.url + "/agent/dev/phone")
    assert "We will call you tomorrow between 8 and 12." in page.locator("table").inner_text()
    assert page.locator(".answer-call button").count() == 2
    no_violations(page, "phone page")
    page.fill("#sms-body", "Ring mig!")
    page.click("#text-heading ~ form button[type=submit]")
    answer = page.locator(".sms-answer").inner_text()
    assert "We will call you" in answer or "Vi ringer dig" in answer
    with app.app_context():
        assert db.session.scalars(select(CallbackRequest)).one().source == "sms"
    support.run_jobs(app)  # nothing queued for an SMS callback, but the log must stay readable
    page.click("#call-heading ~ form button[type=submit]")
    hears = page.locator(".caller-hears").inner_text()
    assert "press 1" in hears.lower() or "tryck 1" in hears.lower()
    no_violations(page, "phone page during a call")
    shot(page, "9-development-phone")
    page.click(".keypad button[value='2']")
    assert "tone" in page.locator(".caller-hears").inner_text().lower() or "tonen" in (
        page.locator(".caller-hears").inner_text().lower()
    )


# The page posts to our webhooks from inside its own request, as in production two sessions:
# on the one rolled-back test connection the page's own rollback would undo the webhook's work.
@pytest.mark.real_commits
def test_the_phone_page_answers_a_resolution_call_we_placed(app, client, make_agent, standin):
    """Calls we place (here the resolution call of a landline customer) can be picked up on
    the page, as a person or an answering machine, and the keys go to the signed webhooks."""
    app.config.update(TWILIO_API_BASE_URL=standin.url, TWILIO_STANDIN_LOG=str(standin.log))
    make_agent("boss@example.test", role="admin")
    support.login(client, "boss@example.test", "correct-horse-battery")
    ticket_id = _voicemail_ticket(app, language="en")
    assert _resolve(app, client, ticket_id).status_code == 302
    support.run_jobs(app)
    [call] = read_log(standin.log)
    page = client.get("/agent/dev/phone").get_data(as_text=True)
    assert "Answer the call" in page and "Let the answering machine take it" in page
    token = support.csrf_token(page)
    form = {"csrf_token": token, "action": "answer", "from": call["to"], "call_sid": call["sid"]}
    form["target"] = re.search(r'name="target" value="([^"]+)"', page).group(1)
    assert form["target"].startswith("/twilio/resolved-call/")
    machine = client.post("/agent/dev/phone", data={**form, "machine": "1"}).get_data(as_text=True)
    assert "is resolved" in machine and "press 1" not in machine  # the notice only
    answered = client.post("/agent/dev/phone", data=form).get_data(as_text=True)
    assert "is resolved" in answered and "press 1" in answered
    key_target = re.search(r'name="target" value="([^"]+/key)"', answered).group(1)
    keys = {**form, "action": "keys", "target": key_target, "digits": "1"}
    thanks = client.post("/agent/dev/phone", data=keys).get_data(as_text=True)
    assert "Thank you for your answer" in thanks
    with app.app_context():
        survey = db.session.scalars(select(SatisfactionSurvey)).one()
        assert (survey.score, survey.answered_via) == (1, "voice")
