"""The shape of a leak case and the one way both corpora are scored (dev and held-out)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.domain.anonymize import KnownEntities


@dataclass
class LeakCase:
    text: str
    known: KnownEntities
    planted: list[str] = field(default_factory=list)  # exact strings that must not survive
    names: list[str] = field(default_factory=list)  # name words that must not survive
    ordinary: str = ""  # the PII-free part, to measure over-redaction
    mail: bool = False  # written as a whole support mail (thread, signature, quotes)


@dataclass
class Score:
    cases: int = 0
    values: int = 0
    leaks: list[str] = field(default_factory=list)
    ordinary_words: int = 0
    removed_words: int = 0
    flagged_ordinary: int = 0

    @property
    def over_redaction(self) -> float:
        return self.removed_words / max(1, self.ordinary_words)

    @property
    def flags_per_100_words(self) -> float:
        return 100 * self.flagged_ordinary / max(1, self.ordinary_words)

    def line(self, label: str) -> str:
        return (
            f"{label}: {self.cases} cases, {self.values} planted values, leaks {len(self.leaks)}; "
            f"over-redaction {self.over_redaction:.2%} of ordinary words"
        )


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _unflagged(output: str, start: int, end: int, flags: list[tuple[int, int]]) -> bool:
    return not any(s < end and start < e for s, e in flags)


def _survives(value: str, output: str, flags: list[tuple[int, int]], *, word: bool) -> bool:
    """A value leaks when it is still in the output somewhere no flag covers."""
    pattern = rf"(?<!\w){re.escape(value)}(?!\w)" if word else re.escape(value)
    return any(
        _unflagged(output, m.start(), m.end(), flags)
        for m in re.finditer(pattern, output, re.IGNORECASE)
    )


def score(cases: list[LeakCase], anonymize) -> Score:
    """0 leaks = every planted value and name is redacted or flagged."""
    result = Score(cases=len(cases))
    for number, case in enumerate(cases):
        out = anonymize(case.text, case.known)
        output, flags = out.text, out.flags
        for value in case.planted:
            result.values += 1
            if _survives(value, output, flags, word=False):
                result.leaks.append(f"case {number}: {value!r}")
                continue
            digits = _digits(value)
            if len(digits) >= 7 and digits in _digits(output):
                result.leaks.append(f"case {number}: digits of {value!r}")
        for name in case.names:
            result.values += 1
            if _survives(name, output, flags, word=True):
                result.leaks.append(f"case {number}: name {name!r}")
        if case.ordinary not in case.text:  # a mail that quotes it changed (lower case)
            continue
        words = re.findall(r"[A-Za-zåäöÅÄÖ]{3,}", case.ordinary)
        result.ordinary_words += len(words)
        result.removed_words += sum(
            1 for w in words if not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", output)
        )
    return result
