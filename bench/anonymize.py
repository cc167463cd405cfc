"""Anonymizer + allow-list gate on one core, and the leak figures (development and held-out).

.venv/bin/python bench/anonymize.py [--rounds 5]

Prints: articles/s for anonymize+gate over the PII-dense leak corpus and over plain help
articles; leaks in the development and held-out corpora (a value counts as caught when it
is redacted or flagged); over-redaction of ordinary words; gate flags per 100 words of
ordinary help text.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/ (queue.py!)

from app.domain import lexicon  # noqa: E402
from app.domain.anonymize import anonymize  # noqa: E402
from tests import leak_corpus_mail, leak_heldout  # noqa: E402
from tests.leak_corpus import FIXES, PROBLEMS, build_corpus  # noqa: E402
from tests.leak_corpus_mail import build_dev_extra  # noqa: E402
from tests.leak_heldout import build_heldout  # noqa: E402
from tests.leak_types import score  # noqa: E402
from tests.ordinary_help import HELP_TEXTS  # noqa: E402


def rate(items, rounds: int) -> tuple[float, float]:
    """Articles per second of this process's CPU time (process_time): "per core", and fair
    on a shared machine where other processes take turns on the same cores."""
    timings = []
    for _ in range(rounds):
        started = time.process_time()
        for text, known in items:
            anonymize(text, known)
        timings.append(time.process_time() - started)
    best = min(timings)
    return len(items) / best, best / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    lexicon.warm()
    dev = build_corpus() + build_dev_extra()
    held = build_heldout()
    corpus = [(case.text, case.known) for case in dev + held]
    plain = [
        (f"{p}\n\n{f}", corpus[i % len(corpus)][1])
        for i, (p, f) in enumerate((p, f) for p in PROBLEMS for f in FIXES)
    ] * 10 + [(text, None) for text in HELP_TEXTS] * 10
    anonymize(corpus[0][0], corpus[0][1])  # the first call fills the word caches
    for label, items in (("PII-dense leak corpus", corpus), ("plain help articles", plain)):
        per_second, micros = rate(items, args.rounds)
        chars = sum(len(t) for t, _ in items) / len(items)
        print(
            f"{label:24} {len(items):4} texts, {chars:4.0f} chars avg: "
            f"{per_second:7.0f} articles/s anonymize+gate per CPU-second ({micros:5.0f} µs)"
        )
    for label, cases in (("development", dev), ("held-out", held)):
        result = score(cases, anonymize)
        mails = sum(case.mail for case in cases)
        print(f"{result.line(label)} ({mails} whole mails)")
    ordinary_texts = [
        *HELP_TEXTS,
        *PROBLEMS,
        *FIXES,
        *leak_corpus_mail.HELP,
        *leak_corpus_mail.FIX,
        *leak_heldout.SV_HELP,
        *leak_heldout.SV_FIX,
        *leak_heldout.EN_HELP,
        *leak_heldout.EN_FIX,
    ]
    words = flags = removed = 0
    for text in ordinary_texts:
        result = anonymize(text)
        ordinary = re.findall(r"[^\W\d_]+", text)
        words += len(ordinary)
        removed += sum(1 for w in ordinary if not re.search(rf"(?<!\w){w}(?!\w)", result.text))
        flags += len(result.flags)
    print(
        f"ordinary help text: {words} words, over-redaction {removed / words:.2%}, "
        f"{100 * flags / words:.2f} flags per 100 words"
    )


if __name__ == "__main__":
    main()
