"""The anonymizer against the leak corpus: zero planted values may survive."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.anonymize import KnownEntities, anonymize
from tests.leak_corpus import build_corpus


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_leak_corpus_has_at_least_300_cases_with_planted_data():
    corpus = build_corpus()
    assert len(corpus) >= 300
    assert sum(len(case.planted) for case in corpus) >= 300 * 6


def test_no_planted_value_survives_and_over_redaction_is_measured():
    leaks: list[str] = []
    ordinary_words = removed_words = 0
    for number, case in enumerate(build_corpus()):
        output = anonymize(case.text, case.known).text
        for value in case.planted:
            if value.lower() in output.lower():
                leaks.append(f"case {number}: {value!r}")
            digits = _digits(value)
            if len(digits) >= 7 and digits in _digits(output):
                leaks.append(f"case {number}: digits of {value!r}")
        for name in case.names:
            if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", output, re.IGNORECASE):
                leaks.append(f"case {number}: name {name!r}")
        words = re.findall(r"[A-Za-zåäöÅÄÖ]{3,}", case.ordinary)
        ordinary_words += len(words)
        removed_words += sum(1 for w in words if not re.search(rf"\b{re.escape(w)}\b", output))
    rate = removed_words / ordinary_words
    print(
        f"\nleak corpus: {len(build_corpus())} cases, leaks: {len(leaks)}, "
        f"over-redaction: {removed_words}/{ordinary_words} ordinary words = {rate:.2%}"
    )
    assert leaks == []
    assert rate < 0.02


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
