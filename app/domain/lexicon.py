"""Word lists the anonymizer and its allow-list gate read: common words and personal names.

Both come from maintained packages, never from a list typed here:
- common words of Swedish and English: `wordfreq` (frequency lists from many corpora);
- first names and surnames: Faker's person providers for Sweden, the US and the UK (drawn
  from national name statistics) and the `names` package (the US Census 1990 name files).
Each list is loaded once per process on first use and kept as a frozenset; lookups of single
words are cached, so the gate costs a dict lookup per token.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import names
import wordfreq
from faker.providers.person import en_GB, en_US, sv_SE

# A word at or above this Zipf frequency (once per million words = 3.0) counts as common.
COMMON_ZIPF = 3.0
# A name that is also a very common word ("Per", "Will", "Mark", "Mina") needs context.
AMBIGUOUS_ZIPF = 5.0
CENSUS_SURNAMES = 6000  # the most frequent US surnames; the long tail is mostly noise
LANGUAGES = ("sv", "en")
_FOLD = str.maketrans("åäöéèüøæáàÅÄÖÉÈÜØÆÁÀ", "aaoeeuoaaaAAOEEUOAAA")


def fold(word: str) -> str:
    """Lower case without diacritics, one character for one: Öberg, oberg → oberg."""
    return word.lower().translate(_FOLD)


@functools.cache
def _frequencies() -> dict[str, float]:
    """Highest frequency of each word over Swedish and English."""
    merged: dict[str, float] = {}
    for language in LANGUAGES:
        for word, frequency in wordfreq.get_frequency_dict(language).items():
            if frequency > merged.get(word, 0.0):
                merged[word] = frequency
    return merged


@functools.cache
def common_words() -> frozenset[str]:
    threshold = 10 ** (COMMON_ZIPF - 9)
    return frozenset(w for w, f in _frequencies().items() if f >= threshold)


@functools.cache
def very_common_words() -> frozenset[str]:
    threshold = 10 ** (AMBIGUOUS_ZIPF - 9)
    return frozenset(w for w, f in _frequencies().items() if f >= threshold)


def _faker_names(attribute: str) -> set[str]:
    found: set[str] = set()
    for module in (sv_SE, en_US, en_GB):
        values = getattr(module.Provider, attribute, ()) or ()
        found.update(v for v in values if isinstance(v, str))
    return found


def _census(filename: str, limit: int | None = None) -> set[str]:
    path = Path(names.__file__).with_name(filename)
    lines = path.read_text().splitlines()[:limit]
    return {line.split()[0] for line in lines if line.strip()}


@functools.cache
def first_names() -> frozenset[str]:
    found = _faker_names("first_names_male") | _faker_names("first_names_female")
    found |= _census("dist.male.first") | _census("dist.female.first")
    return frozenset(fold(n) for part in found for n in re.split(r"[\s-]+", part) if len(n) > 1)


@functools.cache
def surnames() -> frozenset[str]:
    found = _faker_names("last_names") | _census("dist.all.last", CENSUS_SURNAMES)
    return frozenset(fold(n) for part in found for n in re.split(r"[\s-]+", part) if len(n) > 1)


@functools.cache
def _name_kind(word: str) -> int:
    """0: not a name; 1: a name that is also a very common word; 2: plainly a name."""
    key = fold(word)
    if key not in first_names() and key not in surnames():
        return 0
    return 1 if word.lower() in very_common_words() else 2


def name_kind(word: str) -> int:
    return _name_kind(word)


@functools.cache
def is_first_name(word: str) -> bool:
    return fold(word) in first_names()


def _split_compound(word: str, common: frozenset[str]) -> bool:
    """Swedish compounds ("fabriksåterställning"): two or three common parts, maybe with a
    linking s. Parts shorter than three letters do not count (they match anything)."""
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        head_ok = head in common or (head.endswith("s") and head[:-1] in common)
        if head_ok and (tail in common or (len(tail) >= 6 and _split_compound(tail, common))):
            return True
    return False


# Inflections the frequency lists hold too rarely: English -s/-ed/-ing, Swedish definite and
# plural endings ("routern", "routerns", "blinks", "unplugged").
_SUFFIXES = (
    "s",
    "es",
    "ed",
    "d",
    "ing",
    "n",
    "en",
    "et",
    "ns",
    "ens",
    "ets",
    "na",
    "arna",
    "erna",
    "orna",
    "ar",
    "er",
    "or",
    "are",
    "ade",
    "ad",
    "at",
    "t",
    "ning",
    "ningen",
)


@functools.lru_cache(maxsize=200_000)
def is_common(word: str) -> bool:
    """A common word of Swedish or English (any case), an inflection of one, or a compound
    of common words."""
    lowered = word.lower()
    common = common_words()
    if lowered in common:
        return True
    for suffix in _SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 4:
            base = lowered[: -len(suffix)]
            if base in common or (base[-1:] == base[-2:-1] and base[:-1] in common):
                return True
    if lowered.startswith(("un", "re", "o", "om", "miss")):
        for prefix in ("un", "re", "o", "om", "miss"):
            rest = lowered[len(prefix) :]
            if lowered.startswith(prefix) and len(rest) >= 4 and rest in common:
                return True
    return len(lowered) >= 8 and _split_compound(lowered, common)


@functools.lru_cache(maxsize=50_000)
def is_known(word: str) -> bool:
    """In the frequency lists at all (acronyms such as DSL, APN are rare but real words)."""
    return word.lower() in _frequencies()


def warm() -> None:
    """Load every list now (a worker at start-up; the benchmark before timing)."""
    common_words(), very_common_words(), first_names(), surnames()
