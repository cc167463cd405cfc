"""Search text (no database, no Flask; models and the domain both use it).

Snowball stems for Swedish and English search ("Printers", "printing" find "printer";
"routrar", "routern" find "router"). SQLite has no Swedish stemmer in FTS5, so articles
carry a column of stems and queries are stemmed the same way; PostgreSQL uses its own
'english' and 'swedish' text search configurations instead."""

from __future__ import annotations

import functools
import re

import snowballstemmer

_WORD = re.compile(r"[^\W_]+")
_STEMMERS = (snowballstemmer.stemmer("english"), snowballstemmer.stemmer("swedish"))


@functools.lru_cache(maxsize=100_000)
def stems(word: str) -> tuple[str, ...]:
    """The distinct stems of one word in both languages (the word itself included)."""
    lowered = word.lower()
    found = {lowered}
    found.update(stemmer.stemWord(lowered) for stemmer in _STEMMERS)
    # Swedish nouns in -er drop the e when inflected (router → routrar, filter → filtret).
    swedish = _STEMMERS[1].stemWord(lowered)
    if len(swedish) >= 4 and swedish.endswith("r") and swedish[-2] not in "aeiouyåäö":
        found.add(_STEMMERS[1].stemWord(swedish[:-1] + "er"))
    # Snowball keeps agent nouns apart from verbs (printer / print); readers do not.
    for suffix in ("ers", "er", "ings", "ing"):
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 4:
            found.add(lowered[: -len(suffix)])
            break
    return tuple(sorted(s for s in found if s))


def stems_text(text: str) -> str:
    """Every stem of every word, space separated, placeholders left out."""
    text = re.sub(r"\[[a-zA-Z ]{2,20}\]", " ", text or "")
    return " ".join(dict.fromkeys(s for word in _WORD.findall(text) for s in stems(word)))


def query_terms(query: str, limit: int = 8) -> list[tuple[str, ...]]:
    """Per word of the query, the stems any of which may match."""
    return [stems(word) for word in _WORD.findall(query or "")[:limit]]
