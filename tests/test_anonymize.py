"""The anonymizer against the leak corpus: zero planted values may survive."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.anonymize import KnownEntities, anonymize
from tests.leak_corpus import build_corpus
from tests.leak_corpus_mail import build_dev_extra
from tests.leak_heldout import build_heldout
from tests.leak_types import score
from tests.ordinary_help import HELP_TEXTS


def _dev():
    return build_corpus() + build_dev_extra()


def test_leak_corpus_has_600_cases_200_of_them_whole_mails():
    dev, held = _dev(), build_heldout()
    assert len(dev) + len(held) >= 600
    assert sum(case.mail for case in dev + held) >= 200
    assert len(held) >= 150 and sum(case.mail for case in held) >= 100


def test_development_corpus_no_planted_value_survives_unflagged():
    result = score(_dev(), anonymize)
    print("\n" + result.line("development corpus"))
    assert result.leaks == []
    assert result.over_redaction <= 0.02


def test_held_out_corpus_is_scored_as_a_whole():
    """Written before tuning and not tuned against: its figure is reported, not chased. It
    must stay under 1 % of planted values (a regression net, not a target)."""
    result = score(build_heldout(), anonymize)
    print("\n" + result.line("held-out corpus"))
    assert len(result.leaks) <= result.values // 100
    assert result.over_redaction <= 0.02


def test_ordinary_support_text_is_left_alone():
    text = (
        "Restart the router, wait 30 seconds, then check the light. Version 2.10.4 fixed it "
        "on 2024-03-15 at 10:30. Call us on weekdays. The price is 199 kr per month."
    )
    assert anonymize(text).text == text


def test_typed_placeholders_and_report():
    result = anonymize(
        "Hi Anna, mail anna@example.test or call 070-123 45 67 about HD-123456.",
        KnownEntities(names=["Anna Berg"]),
    )
    assert result.text == "Hi [name], mail [email] or call [phone] about [reference]."
    assert result.report()["counts"] == {"name": 1, "email": 1, "phone": 1, "reference": 1}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.lists(st.text(min_size=1, max_size=20), max_size=3))
def test_fuzz_never_raises_and_never_keeps_a_known_email(text, names):
    email = "planted.person@example.test"
    result = anonymize(text + " " + email, KnownEntities(names=names, emails=[email]))
    assert email not in result.text


def test_the_outside_testers_families_are_redacted_or_flagged():
    """Each value from the outside report, in the form it was written there."""
    examples = {
        "card 4111.1111.1111.1111 and CVC 123": ["4111.1111.1111.1111", "123"],
        "iban se45-5000-0000-0583-9825-7466 please": ["se45-5000-0000-0583-9825-7466"],
        "skicka till storgatan 12b, 11455 stockholm": ["storgatan 12b", "11455"],
        "Leverans till Norr Mälarstrand 64 och Medborgarplatsen 3": ["Mälarstrand 64", "3"],
        "Det gäller lgh 1102, portkod 4512.": ["1102", "4512"],
        "Post it to London SW1A 2AA or Austin TX 78701.": ["SW1A 2AA", "78701"],
        "Order OR-448812, kundnummer 883211, parcel UA123456789SE.": [
            "448812",
            "883211",
            "UA123456789SE",
        ],
        "mail anna at example dot com or anna(at)example.se": ["anna at", "anna(at)"],
        "ring noll sju noll ett två tre fyra fem sex sju": ["sju noll ett"],
        "call seven oh seven one two three four five six seven": ["one two three"],
        "the car ABC 123 blocks the gate": ["ABC 123"],
        "MAC 00:1A:2B:3C:4D:5E, serial ZX123456789": ["00:1A:2B:3C:4D:5E", "ZX123456789"],
        "open portal.example.se/reset/3fa9c1d2 or bit.ly/3xYz": ["3fa9c1d2", "3xYz"],
        "my password is Sommar2024! now": ["Sommar2024"],
        "born 12 March 1951, DOB 1948-04-02": ["1951", "1948-04-02"],
        "the cabin is at 59.32938, 18.06871": ["59.32938"],
        "Dear Mrs. Johnson,": ["Johnson"],
        "Hej Anna och Per!": ["Anna", "Per"],
        "Anna Karin Lind ringde.": ["Anna", "Karin", "Lind"],
        "Fixed now.\nMvh /Lasse": ["Lasse"],
        "Fixed now.\n— Jonas": ["Jonas"],
        "our technician Mikael Berg replaced it": ["Mikael", "Berg"],
        "your daughter Elsa had restarted it": ["Elsa"],
    }
    for text, values in examples.items():
        result = anonymize(text)
        for value in values:
            kept = [
                m
                for m in re.finditer(re.escape(value), result.text)
                if not any(s < m.end() and m.start() < e for s, e in result.flags)
            ]
            assert not kept, (text, value, result.text, result.flags)


def test_known_values_match_loosely():
    result = anonymize(
        "Jag pratade med Oberg om acc 100234.",
        KnownEntities(names=["Maja Öberg"], account_numbers=["ACC-100234"]),
    )
    assert "Oberg" not in result.text and "100234" not in result.text


def test_context_words_take_only_the_identifier():
    text = "The invoice from 2025-11-28 was credited 349 kr. Case 2 of 3 is closed."
    assert anonymize(text).text == text
    assert anonymize("Order 1234567 and invoice no. 2024-000123").text == (
        "Order [number] and invoice no. [number]"
    )


def test_greetings_without_names_are_left_alone():
    for text in ("Hi there, thanks for waiting.", "Hello everyone,", "hej igen! Tack."):
        assert anonymize(text).text == text


def test_flags_are_spans_of_the_redacted_text_and_empty_when_clear():
    clear = anonymize("Restart the router and wait five minutes.")
    assert clear.flags == []
    odd = anonymize("Restart the Zyxtrom box and wait five minutes.")
    assert odd.flagged_tokens == ["Zyxtrom"]
    start, end = odd.flags[0]
    assert odd.text[start:end] == "Zyxtrom"
    assert anonymize("Restart the Zyxtrom box.", vocabulary=frozenset({"zyxtrom"})).flags == []


def test_ordinary_help_text_is_kept_and_rarely_flagged():
    words = flags = removed = 0
    for text in HELP_TEXTS:
        result = anonymize(text)
        ordinary = re.findall(r"[A-Za-zåäöÅÄÖ]{3,}", text)
        words += len(ordinary)
        removed += sum(1 for w in ordinary if not re.search(rf"(?<!\w){w}(?!\w)", result.text))
        flags += len(result.flags)
    print(f"\nordinary help text: {words} words, {removed} removed, {flags} flagged")
    assert removed / words <= 0.02
    assert flags / words <= 0.01
