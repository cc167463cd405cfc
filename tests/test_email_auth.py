"""SPF, DKIM and DMARC verdicts with stub DNS (no network), through the real SMTP server."""

from __future__ import annotations

import base64
import subprocess
from email import policy

import dkim
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Message
from inbound import authentication
from tests.email_support import build_mail, send


@pytest.fixture(scope="module")
def rsa_key(tmp_path_factory) -> tuple[bytes, str]:
    """A real RSA key pair made by openssl: (private PEM, public key base64 for DNS)."""
    path = tmp_path_factory.mktemp("dkim") / "key.pem"
    subprocess.run(
        ["openssl", "genrsa", "-out", str(path), "2048"], check=True, capture_output=True
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(path), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return path.read_bytes(), base64.b64encode(public).decode()


def _signed(mail, key: bytes) -> bytes:

    raw = mail.as_bytes(policy=policy.SMTP)
    signature = dkim.sign(
        raw, b"s1", b"example.test", key, include_headers=[b"from", b"subject", b"to"]
    )
    return signature + raw


def _publish(dns, public_key: str) -> None:
    dns.records["s1._domainkey.example.test"] = [f"v=DKIM1; k=rsa; p={public_key}"]
    dns.records["_dmarc.example.test"] = ["v=DMARC1; p=reject"]
    dns.records["example.test"] = ["v=spf1 ip4:127.0.0.1 -all"]


def test_signed_mail_from_the_right_server_passes_everything(dns, rsa_key):
    key, public = rsa_key
    _publish(dns, public)
    raw = _signed(build_mail(), key)
    verdicts = authentication.verify(
        raw, ip="127.0.0.1", mail_from="anna@example.test", helo="mx.example.test", txt=dns
    )
    assert (verdicts.spf, verdicts.dkim, verdicts.dmarc) == ("pass", "pass", "pass")
    assert not verdicts.spoof_suspected


def test_tampered_body_fails_dkim(dns, rsa_key):
    key, public = rsa_key
    _publish(dns, public)
    raw = _signed(build_mail(), key).replace(b"red light", b"blue light")
    verdicts = authentication.verify(
        raw, ip="192.0.2.9", mail_from="x@evil.test", helo="evil", txt=dns
    )
    assert verdicts.dkim == "fail"
    assert verdicts.dmarc == "fail" and verdicts.spoof_suspected


def test_spf_fail_from_a_foreign_server(dns):
    dns.records["example.test"] = ["v=spf1 ip4:127.0.0.1 -all"]
    assert authentication.check_spf("198.51.100.7", "anna@example.test", "x", dns) == "fail"
    assert authentication.check_spf("127.0.0.1", "anna@example.test", "x", dns) == "pass"


def test_spoofed_sender_is_flagged_on_the_stored_message(app, smtp_server, dns, rsa_key):
    _publish(dns, rsa_key[1])
    # Claims to be from example.test (DMARC p=reject) but is unsigned and sent via evil.test.
    send(smtp_server.port, build_mail(sender="ceo@example.test"), mail_from="bounce@evil.test")
    with app.app_context():
        message = db.session.scalars(select(Message)).one()
        assert message.auth_results["dmarc"] == "fail"
        assert message.spoof_suspected is True


def test_genuine_mail_is_stored_with_passing_verdicts(app, smtp_server, dns, rsa_key):
    key, public = rsa_key
    _publish(dns, public)
    send(smtp_server.port, _signed(build_mail(), key))
    with app.app_context():
        message = db.session.scalars(select(Message)).one()
        assert message.auth_results["dkim"] == "pass" and message.auth_results["dmarc"] == "pass"
        assert message.spoof_suspected is False


def test_trusted_relay_header_counts_only_with_our_authserv_id():
    ours = "mx.helpdesk.test; spf=pass smtp.mailfrom=a@example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test"
    forged = (
        "mx.evil.test; spf=pass smtp.mailfrom=a@example.test; dmarc=pass header.from=example.test"
    )
    verdicts = authentication.from_trusted_header([forged, ours], "mx.helpdesk.test")
    assert (verdicts.spf, verdicts.dkim, verdicts.dmarc) == ("pass", "pass", "pass")
    assert verdicts.source == "trusted-relay"
    untrusted = authentication.from_trusted_header([forged], "mx.helpdesk.test")
    assert untrusted.dmarc == "none" and untrusted.source == "none"
