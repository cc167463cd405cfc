"""The allow-list gate: what the deny-list missed, a reviewer sees.

A deny-list only catches what someone thought of. The gate turns the question around: every
token that remains in a public text must be
- a common word of Swedish or English (`wordfreq`, compounds of common words included),
- a word of the site's own vocabulary (seen in tickets of at least k customers, or in the
  admin glossary),
- a number of a plainly generic shape (prices, "3 minutes", versions, times, recent years),
- or one of our placeholders.
Anything else is *flagged*: (start, end) in the text given. A capitalised word that is a
person's name in the name lists is flagged even when it is also a common word ("Elsa").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.domain import lexicon


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TOKEN = re.compile(
    r"\[[a-zA-Z ]{2,20}\]|"  # a placeholder
    r"[^\W_]+(?:[.,:/'’-][^\W_]+)*",
    re.UNICODE,
)
_PLACEHOLDER = re.compile(r"\[[a-zA-Z ]{2,20}\]")
_NUMBER = re.compile(r"\d+(?:[.,:\-/]\d+)*")
_UNITS = _words(
    "kr sek kronor kronan öre eur euro euros usd dollar dollars pounds gbp % procent percent "
    "s sec secs second seconds sekund sekunder sekunders min mins minute minutes minut "
    "minuter minuters h hr hrs hour hours timme timmar timmars day days dag dagar dagars "
    "week weeks vecka veckor month months månad månader year years år st pcs times gånger "
    "ggr gång mb gb tb kb mbit mbit/s gbit kbit mbps gbps kbps ghz mhz hz w kw kwh v mah m "
    "cm mm km meter meters metre metres tum inch inches ft feet kg g p channel kanal "
    "version versions steps steg points poäng dagar° grader degrees °c c bars streck "
    "lights lampor lampan lamps ports portar uttag users användare devices enheter tv-boxar"
)
_NUMBER_CONTEXT_BEFORE = _words(
    "version v ver channel kanal kanalen port porten step steg klockan kl at till to from "
    "från after efter within inom about cirka ca approximately around top page sidan "
    "windows android ios iphone ipad macos firmware fw model modell nummer number no nr "
    "level nivå pris price costs kostar only bara up upp down ned ner under over över "
    "than än dial ring tryck press option val menu meny"
)
_UNIT_SHAPE = re.compile(
    r"(?i)\d+(?:[.,]\d+)?(?:kr|sek|gb|mb|tb|kb|mbit|gbit|kbit|mbps|gbps|ghz|mhz|hz|w|kw|v|mah|"
    r"mm|cm|km|m|kg|g|p|k|x|s|ms|min|h|st|e|a|nd|rd|th|st|:e|:a|:-|%|°)"
)
_TECH_SHAPE = re.compile(
    r"(?i)(?:[a-z]{1,5}\d{1,3}[a-z]?|\d{1,2}[a-z]{1,3}|v\d+(?:\.\d+)*|[a-z]+\d+[a-z]+\d*)"
)


def _generic_number(token: str, before: str, after: str) -> bool:
    """Numbers a reader needs and that identify no one: small counts, prices, versions, times,
    years since 1990. Longer plain numbers (4+ digits that are not a year) are flagged."""
    if re.fullmatch(r"\d{1,3}", token):
        return True
    if re.fullmatch(r"(?:199\d|20[0-4]\d)", token):
        return True
    if re.fullmatch(r"\d{1,2}[:.]\d{2}", token):  # a time or a short decimal
        return True
    if re.fullmatch(r"\d{1,4}(?:\.\d{1,4}){1,3}", token) and before in ("version", "v", "ver"):
        return True
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){1,2}", token):  # 2.10.4, 1.5
        return True
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{1,2})", token):  # 9,95 199,50
        return True
    if re.fullmatch(r"20\d{2}-\d{2}-\d{2}", token):  # the anonymizer took older dates
        return True
    if re.fullmatch(r"\d{1,4}/\d{1,4}", token):  # 3/4, 24/7, 250/250 Mbit
        return True
    if after in _UNITS and len(token) <= 6:
        return True
    return before in _NUMBER_CONTEXT_BEFORE and len(token) <= 4


def _word_ok(word: str, vocabulary: frozenset[str]) -> bool:
    lowered = word.lower()
    if lowered in vocabulary or lexicon.is_common(lowered):
        return True
    parts = re.split(r"[-'’:/]", lowered)
    return len(parts) > 1 and all(
        not p or p in vocabulary or lexicon.is_common(p) or p.isdigit() and len(p) <= 3
        for p in parts
    )


def check(text: str, vocabulary: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Spans of `text` that are neither common, site vocabulary, generic numbers nor
    placeholders."""
    vocab = vocabulary if isinstance(vocabulary, frozenset) else frozenset(vocabulary)
    flags: list[tuple[int, int]] = []
    tokens = list(_TOKEN.finditer(text))
    for index, m in enumerate(tokens):
        token = m.group()
        if token[0] == "[":
            continue
        if token[0].isdigit() and _NUMBER.fullmatch(token):
            before = tokens[index - 1].group().lower() if index else ""
            after = tokens[index + 1].group().lower() if index + 1 < len(tokens) else ""
            if not _generic_number(token, before, after):
                flags.append((m.start(), m.end()))
            continue
        if any(c.isdigit() for c in token):
            lowered = token.lower()
            if (
                lowered in vocab
                or _UNIT_SHAPE.fullmatch(token)
                or (len(token) <= 8 and _TECH_SHAPE.fullmatch(token))
            ):
                continue
            flags.append((m.start(), m.end()))
            continue
        if not _word_ok(token, vocab):
            if not (token.isupper() and 2 <= len(token) <= 5 and lexicon.is_known(token)):
                flags.append((m.start(), m.end()))
            continue
        if token[0].isupper() and token.lower() not in vocab and lexicon.name_kind(token) == 2:
            flags.append((m.start(), m.end()))
    return flags
