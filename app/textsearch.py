"""Search text (no database, no Flask; models and the domain both use it).

One search key per word for Swedish and English ("Printers", "printing" and "printer" all
become "print"; "routrar", "routern" and "router" become "rout"). SQLite's FTS5 has no
Swedish stemmer, so articles carry a column of keys and queries are keyed the same way: one
term per query word keeps FTS5 on its fast newest-first path (an OR of stems was ~17x
slower). PostgreSQL also uses its own 'english' and 'swedish' configurations.
"""

from __future__ import annotations

import functools
import re

import snowballstemmer

_WORD = re.compile(r"[^\W_]+")
_ENGLISH = snowballstemmer.stemmer("english")
_SWEDISH = snowballstemmer.stemmer("swedish")
_VOWELS = frozenset("aeiouyåäö")


@functools.lru_cache(maxsize=100_000)
def key(word: str) -> str:
    """English stem, agent-noun ending dropped (printer → print), then Swedish stem, with
    the e that Swedish -er nouns drop when inflected put back (routrar → router → rout)."""
    stem = _ENGLISH.stemWord(word.lower())
    for suffix in ("ers", "er", "ings", "ing"):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 4:
            stem = stem[: -len(suffix)]
            break
    stem = _SWEDISH.stemWord(stem)
    if len(stem) >= 7 and stem.endswith("an") and stem[-3] not in _VOWELS:  # fakturan
        stem = _SWEDISH.stemWord(stem[:-2])
    if len(stem) >= 4 and stem.endswith("r") and stem[-2] not in _VOWELS:
        stem = _SWEDISH.stemWord(stem[:-1] + "er")
    return stem or word.lower()


def stems(word: str) -> tuple[str, ...]:
    return (key(word),)


def stems_text(text: str) -> str:
    """The key of every word, space separated, placeholders left out."""
    text = re.sub(r"\[[a-zA-Z ]{2,20}\]", " ", text or "")
    return " ".join(dict.fromkeys(key(word) for word in _WORD.findall(text)))


def query_terms(query: str, limit: int = 8) -> list[tuple[str, ...]]:
    """Per word of the query, the keys any of which may match (one today)."""
    return [stems(word) for word in _WORD.findall(query or "")[:limit]]
