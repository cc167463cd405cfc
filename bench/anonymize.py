"""Anonymizer throughput on one core, over the leak corpus (PII-dense) and plain resolutions.

.venv/bin/python bench/anonymize.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/ (queue.py!)

from app.domain.anonymize import anonymize  # noqa: E402
from tests.leak_corpus import FIXES, PROBLEMS, build_corpus  # noqa: E402


def rate(items, rounds: int) -> tuple[float, float]:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        for text, known in items:
            anonymize(text, known)
        timings.append(time.perf_counter() - started)
    best = min(timings)
    return len(items) / best, best / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    corpus = [(case.text, case.known) for case in build_corpus()]
    plain = [
        (f"{p}\n\n{f}", corpus[i % len(corpus)][1])
        for i, (p, f) in enumerate((p, f) for p in PROBLEMS for f in FIXES)
    ] * 10
    for label, items in (("PII-dense leak corpus", corpus), ("typical resolutions", plain)):
        per_second, micros = rate(items, args.rounds)
        chars = sum(len(t) for t, _ in items) / len(items)
        print(
            f"{label:24} {len(items):4} texts, {chars:4.0f} chars avg: "
            f"{per_second:7.0f} resolutions/s on one core ({micros:6.0f} µs each)"
        )


if __name__ == "__main__":
    main()
