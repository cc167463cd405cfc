"""A plain-language check for what we send customers: a hint for the agent, never a block.

Swedish text is scored with LIX (läsbarhetsindex: words per sentence + share of long words),
English with Flesch reading ease (syllables counted with `pyphen`'s hyphenation patterns).
Jargon words with plain alternatives are kept in a runtime setting admins edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pyphen
from flask_babel import lazy_gettext as _l

from app.domain import settings

WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)|\n\s*\n")

# Targets from the usual scales: LIX <= 40 is "easy" (children's books, plain news),
# Flesch >= 60 is "plain English" (understood by 13-15 year olds).
LIX_EASY = 40
FLESCH_PLAIN = 60


@dataclass
class ReadabilityHint:
    language: str
    score: float | None
    easy: bool
    jargon: list[tuple[str, str]] = field(default_factory=list)
    long_sentences: int = 0

    @property
    def message(self) -> str:
        """One short line for the agent, in the agent's language."""
        if self.score is None:
            return str(_l("Too short to judge."))
        if self.language == "sv":
            label = _l("LIX %(score)d", score=round(self.score))
        else:
            label = _l("Reading ease %(score)d", score=round(self.score))
        verdict = (
            _l("easy to read")
            if self.easy
            else _l("hard to read: shorter sentences and words help")
        )
        return f"{label}: {verdict}."


@lru_cache(maxsize=4)
def _hyphenator(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="sv_SE" if language == "sv" else "en_US")


def _syllables(word: str, language: str) -> int:
    return max(1, len(_hyphenator(language).positions(word.lower())) + 1)


def jargon_for(language: str) -> dict[str, str]:
    table = settings.get("plain_language_jargon") or {}
    return {word.lower(): plain for word, plain in (table.get(language) or {}).items()}


def check(text: str, language: str) -> ReadabilityHint:
    """Score `text` ("sv" or "en"); list jargon words found with their plain alternatives."""
    language = "sv" if language == "sv" else "en"
    words = WORD.findall(text or "")
    sentences = [s for s in SENTENCE_END.split(text or "") if WORD.search(s)]
    table = jargon_for(language)
    seen: dict[str, str] = {}
    lowered = (text or "").lower()
    for term, plain in table.items():
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", lowered):
            seen[term] = plain
    long_sentences = sum(1 for s in sentences if len(WORD.findall(s)) > 20)
    if len(words) < 5 or not sentences:
        return ReadabilityHint(language, None, True, sorted(seen.items()), long_sentences)
    per_sentence = len(words) / len(sentences)
    if language == "sv":
        long_words = sum(1 for w in words if len(w) > 6)
        score = per_sentence + 100 * long_words / len(words)
        easy = score <= LIX_EASY
    else:
        syllables = sum(_syllables(w, language) for w in words)
        score = 206.835 - 1.015 * per_sentence - 84.6 * syllables / len(words)
        easy = score >= FLESCH_PLAIN
    return ReadabilityHint(language, score, easy and not seen, sorted(seen.items()), long_sentences)
