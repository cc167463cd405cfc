"""The Twilio gateway speaks real twilio-client HTTP to the local stand-in."""

import pytest
from twilio.base.exceptions import TwilioRestException

from app.adapters import twilio_rest


def test_send_sms_goes_through_the_real_client(ctx, twilio_stub):
    sid = twilio_rest.send_sms("+46701234567", "Hello")
    [request] = twilio_stub.messages()
    assert sid == request.sid and sid.startswith("SM")
    assert request.value("To") == "+46701234567"
    assert request.value("From") == ctx.config["TWILIO_NUMBER"]
    assert request.path.startswith(f"/2010-04-01/Accounts/{ctx.config['TWILIO_ACCOUNT_SID']}/")


def test_start_call_asks_for_status_and_machine_detection(ctx, twilio_stub):
    sid = twilio_rest.start_call(
        "+46701234567",
        url=twilio_rest.public_url("/twilio/connect"),
        status_callback=twilio_rest.public_url("/twilio/status"),
        machine_detection="Enable",
    )
    [request] = twilio_stub.calls()
    assert sid == request.sid and sid.startswith("CA")
    assert request.value("Url") == ctx.config["PUBLIC_BASE_URL"] + "/twilio/connect"
    assert request.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert request.value("MachineDetection") == "Enable"


def test_a_twilio_error_raises_so_the_job_is_retried(ctx, twilio_stub):

    twilio_stub.fail_next.append(500)
    with pytest.raises(TwilioRestException):
        twilio_rest.send_sms("+46701234567", "Hello")
    assert twilio_stub.messages() == []
