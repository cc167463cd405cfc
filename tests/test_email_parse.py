"""The MIME parser on a corpus of real-world shapes, and fuzzed: it never raises unexpectedly."""

from __future__ import annotations

import base64
import contextlib
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inbound.parse import UnparseableEmail, parse_email, safe_filename, trim_quoted

HEAD = b"From: Anna <anna@example.test>\r\nTo: support@helpdesk.test\r\nSubject: Hi\r\n"


def test_multipart_alternative_keeps_text_and_html():
    mail = EmailMessage()
    mail["From"] = "anna@example.test"
    mail["Subject"] = "Both"
    mail.set_content("Plain words")
    mail.add_alternative("<p>Rich <b>words</b></p>", subtype="html")
    parsed = parse_email(mail.as_bytes())
    assert parsed.text == "Plain words"
    assert "<b>words</b>" in parsed.html


def test_html_only_mail_is_converted_to_text_without_scripts():
    raw = HEAD + (
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{}</style><script>alert(1)</script></head>"
        b"<body><p>Hello</p><p>My router &amp; TV</p></body></html>"
    )
    parsed = parse_email(raw)
    assert parsed.text == "Hello\n\nMy router & TV"
    assert "alert" not in parsed.text


def test_charsets_latin1_windows1252_koi8r_and_mislabelled():
    cases = [
        ("iso-8859-1", "Hälsningar från Åsa", "iso-8859-1"),
        ("windows-1252", "It costs 5 € – “quoted”", "windows-1252"),
        ("koi8-r", "Привет, мир", "koi8-r"),
        ("utf-8", "Smörgås på svenska", "cp1252"),  # labelled utf-8, really Windows-1252
    ]
    for label, text, real in cases:
        raw = (
            HEAD + f"Content-Type: text/plain; charset={label}\r\n\r\n".encode() + text.encode(real)
        )
        assert parse_email(raw).text == text, label


def test_unknown_charset_falls_back_without_crashing():
    raw = HEAD + b"Content-Type: text/plain; charset=x-no-such\r\n\r\ncaf\xe9"
    assert parse_email(raw).text == "café"


def test_rfc2047_encoded_subject_and_sender_name():
    raw = (
        b"From: =?utf-8?q?=C3=85sa_Str=C3=B6m?= <asa@example.test>\r\n"
        b"Subject: =?iso-8859-1?q?Fr=E5ga_om_r=E4kning?=\r\n\r\nHej"
    )
    parsed = parse_email(raw)
    assert parsed.subject == "Fråga om räkning"
    assert parsed.sender_name == "Åsa Ström"


def test_attachments_inline_images_and_forwarded_message():
    forwarded = EmailMessage()
    forwarded["From"] = "bank@example.test"
    forwarded["Subject"] = "Your statement"
    forwarded.set_content("Balance: 100")
    mail = EmailMessage()
    mail["From"] = "anna@example.test"
    mail.set_content("See attached")
    mail.add_related(b"\x89PNG...", maintype="image", subtype="png", cid="<logo@x>")
    mail.add_attachment(
        b"data",
        maintype="application",
        subtype="octet-stream",
        filename="C:\\Users\\anna\\secret\x00.bin",
    )
    mail.add_attachment(forwarded)
    parsed = parse_email(mail.as_bytes())
    names = [a.filename for a in parsed.attachments]
    assert "secret_.bin" in names
    assert "forwarded-message.eml" in names
    inline = [a for a in parsed.attachments if a.content_id == "logo@x"]
    assert inline and inline[0].inline
    assert "Balance: 100" in parsed.full_text and "bank@example.test" in parsed.full_text


def test_malformed_mime_still_yields_what_can_be_read():
    raw = HEAD + (
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\nContent-Type: text/plain\r\n\r\nThe printer is on fire"
    )
    parsed = parse_email(raw)
    assert "printer is on fire" in parsed.text
    assert parsed.defects


def test_bad_base64_body_does_not_crash():
    raw = (
        HEAD + b"Content-Transfer-Encoding: base64\r\nContent-Type: text/plain\r\n\r\n!!!notbase64"
    )
    parse_email(raw)  # returns something; must not raise


def test_nothing_readable_is_refused():
    try:
        parse_email(b"\r\n\r\n")
    except UnparseableEmail:
        return
    raise AssertionError("empty mail must be refused")


def test_quoted_history_is_trimmed_for_display():
    text = "Yes, that worked!\n\nOn Mon, 2 Jan 2026, Support wrote:\n> Try unplugging it\n> Regards"
    assert trim_quoted(text) == "Yes, that worked!"
    swedish = "Tack!\n\nDen 3 jan. 2026 skrev Support <support@helpdesk.test>:\n> Prova igen"
    assert trim_quoted(swedish) == "Tack!"


def test_safe_filename():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("") == "attachment.bin"
    assert safe_filename("a" * 300 + ".pdf").__len__() == 120


def test_swedish_mail_is_recognised_for_the_acknowledgement_language():
    raw = HEAD + b"Content-Type: text/plain; charset=utf-8\r\n\r\nHej, jag kan inte logga in. Tack!"
    assert parse_email(raw).language == "sv"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes_never_escape_as_exceptions(data):
    with contextlib.suppress(UnparseableEmail):
        parse_email(data)


_PIECES = [
    b"Content-Type: multipart/mixed; boundary=x\r\n",
    b"--x\r\n",
    b"--x--\r\n",
    b"Content-Type: text/plain; charset=koi8-r\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"=?utf-8?b?" + base64.b64encode(b"\xff") + b"?=",
    b"Content-Type: message/rfc822\r\n",
    b"Content-Disposition: attachment; filename*=bad''%ZZ\r\n",
    b"\r\n",
    b"hello =C3=A5\r\n",
    b"Subject: =?bogus?q?x?=\r\n",
    b"From: <@>\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n",
    b"Content-Type: message/delivery-status\r\n",
    b"Action: failed\r\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_fuzz_structured_mime_never_escapes(pieces):
    with contextlib.suppress(UnparseableEmail):
        parse_email(HEAD + b"".join(pieces))


def test_base64_and_quoted_printable_attachments():
    raw = HEAD + (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Sm=C3=B6rg=C3=A5s is broken =E2=80=93 see attached\r\n"
        b'--b\r\nContent-Type: application/pdf; name="scan.pdf"\r\nContent-Disposition: attachment; filename="scan.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKc2Nhbg==\r\n"
        b'--b\r\nContent-Type: text/plain; name="log.txt"\r\nContent-Disposition: attachment; filename="log.txt"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nline=3D1\r\n--b--\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == "Smörgås is broken – see attached"
    files = {a.filename: a.data for a in parsed.attachments}
    assert files["scan.pdf"] == b"%PDF-1.4\nscan" and files["log.txt"].startswith(b"line=1")


def test_missing_message_id_and_date_are_fine():
    parsed = parse_email(b"From: a@example.test\r\nSubject: No ids\r\n\r\nHello")
    assert parsed.message_id is None and parsed.text == "Hello"


def test_very_long_lines_and_undeclared_8bit():
    long_line = ("word " * 4000).encode()
    raw = b"From: a@example.test\r\nSubject: long\r\n\r\n" + long_line + b"\r\nH\xc3\xa4lsningar"
    parsed = parse_email(raw)
    assert parsed.full_text.startswith("word word") and "Hälsningar" in parsed.full_text


def test_calendar_invite_keeps_text_and_the_ics_as_attachment():
    mail = EmailMessage()
    mail["From"] = "anna@example.test"
    mail.set_content("Can we talk on Monday?")
    mail.add_attachment(
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
    )
    parsed = parse_email(mail.as_bytes())
    assert parsed.text == "Can we talk on Monday?"
    assert [a.filename for a in parsed.attachments] == ["invite.ics"]


def test_out_of_office_reply_is_automatic():
    raw = (
        b"From: anna@example.test\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n"
        b"X-Auto-Response-Suppress: All\r\n\r\nI am away until Monday."
    )
    assert parse_email(raw).is_automatic
    assert not parse_email(b"From: anna@example.test\r\n\r\nI am here.").is_automatic
