"""Two-factor sign-in end to end in a real browser: enrol with the QR page, log in again
with password + code, and see that the password alone is not enough (issue 14)."""

from __future__ import annotations

import time

import pyotp
import pytest

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


def _password(page, live_server):
    page.goto(live_server.url + "/login")
    page.fill("input[name=email]", "agent@example.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")


def test_enrol_and_log_in_with_a_code(app, live_server, page, make_agent):
    make_agent()
    _password(page, live_server)
    page.wait_for_url("**/agent/**")
    page.click("a.who")  # the agent's own account page
    page.click("text=Set up two-factor sign-in")
    assert page.locator("figure.qr svg").count() == 1
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("text=Turn on two-factor sign-in")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.click("text=I have written them down")
    page.click("text=Log out")
    page.wait_for_url("**/login")

    _password(page, live_server)
    page.wait_for_url("**/login/code")
    page.goto(live_server.url + "/agent/")
    assert "/login" in page.url  # the password alone opens nothing
    _password(page, live_server)
    page.wait_for_url("**/login/code")
    page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("button[type=submit]")
    page.wait_for_url("**/agent/**")
    assert page.locator("a.who").count() == 1
    assert page.console_errors == []


def test_a_security_key_signs_in_instead_of_the_app_code(app, live_server, page, make_agent):
    make_agent()
    base = f"http://localhost:{live_server.server_port}"  # WebAuthn wants a host name, not an IP
    app.config["PUBLIC_BASE_URL"] = base
    authenticator = page.context.new_cdp_session(page)
    authenticator.send("WebAuthn.enable")
    authenticator.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    page.goto(base + "/login")
    page.fill("input[name=email]", "agent@example.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/agent/**")
    page.goto(base + "/account/two-factor")
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("text=Turn on two-factor sign-in")
    page.click("text=I have written them down")
    page.goto(base + "/account/two-factor")
    page.fill("#passkey-name", "Blue key")
    page.click("#passkey-add")
    page.wait_for_selector("#passkey-list li")
    assert "Blue key" in page.inner_text("#passkey-list")
    page.click("text=Log out")
    page.wait_for_url("**/login")

    page.fill("input[name=email]", "agent@example.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/login/code")
    page.click("#passkey-use")
    page.wait_for_url("**/agent/**")
    assert page.locator("a.who").count() == 1
    assert page.console_errors == []
