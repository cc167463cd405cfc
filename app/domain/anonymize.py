"""Anonymizing resolutions before anyone outside sees them. Pure functions, no database.

Two passes over the original text, collecting spans, then one replacement pass:
1. known entities — what the helpdesk knows about this customer and agent (names in any case,
   possessive forms, first or last name alone; emails; phones in any written format; address
   lines; account numbers);
2. detectors — emails, phone numbers (libphonenumber, several regions), payment cards (Luhn),
   IBANs, national IDs (Swedish personnummer, US SSN via python-stdnum), IP addresses, URLs
   carrying tokens or ids, our ticket references, greetings and signatures with names.
Overlaps resolve to the longest span. Each span becomes a typed placeholder ("[name]").
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

import phonenumbers
from stdnum import iban, luhn
from stdnum.se import personnummer
from stdnum.us import ssn

from app.domain import detectors, gate
from app.domain.lexicon import fold

PHONE_REGIONS = ("SE", "US", "GB", "DE")
PLACEHOLDERS = {
    "name": "[name]",
    "email": "[email]",
    "phone": "[phone]",
    "address": "[address]",
    "account": "[account number]",
    "card": "[card number]",
    "iban": "[bank account]",
    "national_id": "[ID number]",
    "ip": "[IP address]",
    "url": "[link]",
    "reference": "[reference]",
    "number": "[number]",
    "secret": "[password]",
    "date": "[date]",
    "device": "[device id]",
    "plate": "[number plate]",
}


@dataclass
class KnownEntities:
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    account_numbers: list[str] = field(default_factory=list)


@dataclass
class Span:
    start: int
    end: int
    kind: str
    source: str  # "known" or the detector's name


@dataclass
class Anonymized:
    text: str
    spans: list[Span]  # positions in the ORIGINAL text (for the agents' review page)
    # Spans of `text` (the redacted text) that the allow-list gate did not clear: a reviewer
    # must keep or redact each before the text may be published. Empty when none.
    flags: list[tuple[int, int]] = field(default_factory=list)

    @property
    def flagged_tokens(self) -> list[str]:
        return [self.text[start:end] for start, end in self.flags]

    def report(self) -> dict:
        counts: dict[str, int] = {}
        for span in self.spans:
            counts[span.kind] = counts.get(span.kind, 0) + 1
        return {"counts": counts, "total": len(self.spans)}


_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_DIGITS_RUN = re.compile(r"(?<![\w])\+?\(?\d[\d\s().\-/]{5,}\d(?![\w])")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){10,30}\b")
_PERSONNUMMER = re.compile(r"(?<!\d)(?:19|20)?\d{6}[-+ ]?\d{4}(?!\d)")
_SSN = re.compile(r"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)")
_NUMERIC_CHUNK = re.compile(r"\d(?:[\d \-+./]*\d)?")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{1,4}(?![\w:])")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_REFERENCE = re.compile(r"\bHD-\d{4,9}\b", re.IGNORECASE)
_STREET_SV = re.compile(
    r"\b[A-ZÅÄÖ][a-zåäöé]+(?:gatan|vägen|gränd|stigen|allén|torget|backen|plan|leden)"
    r"\s+\d+\s?[A-Za-z]?\b"
)
_STREET_EN = re.compile(
    r"\b\d{1,5}[A-Z]?\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|"
    r"Boulevard|Blvd|Way|Court|Ct|Place|Pl)\b\.?"
)
_POSTCODE_CITY = re.compile(r"\b\d{3}\s?\d{2}\s+[A-ZÅÄÖ][a-zåäö]+\b")
_WORD = re.compile(r"[\w’'-]+", re.UNICODE)


def _name_parts(names: list[str]) -> set[str]:
    parts: set[str] = set()
    for name in names:
        parts.update(fold(p) for p in re.split(r"[\s\-]+", name or "") if len(p) >= 2)
    return parts


def _name_spans(text: str, names: list[str]) -> list[Span]:
    """Every word that is a known name part, in any case, also possessive ("Anna's", "Bergs").

    A set lookup per word instead of one compiled regex per ticket: compiling a fresh pattern
    for every customer cost more than all the detectors together.
    """
    parts = _name_parts(names)
    if not parts:
        return []
    spans = []
    for m in _WORD.finditer(text):
        word = fold(m.group()).strip("-'’")
        if word in parts or (
            word.endswith("s") and (word[:-1] in parts or word[:-2].rstrip("'’") in parts)
        ):
            spans.append(Span(m.start(), m.end(), "name", "known"))
    return spans


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _phone_keys(phones: list[str]) -> set[str]:
    """National significant numbers of known phones: match any written format of them."""
    keys = set()
    for phone in phones:
        digits = _digits(phone)
        try:
            parsed = phonenumbers.parse(phone, "SE")
            keys.add(str(parsed.national_number))
        except phonenumbers.NumberParseException:
            pass
        if len(digits) >= 7:
            keys.add(digits[-9:] if len(digits) > 9 else digits)
    return {k for k in keys if len(k) >= 7}


_ALNUM_RUN = re.compile(r"[^\W_]+")


def _alnum_index(text: str) -> tuple[str, list[int]]:
    """The text folded (case, diacritics) with only letters and digits kept, and where each
    kept character stood: known values are then found whatever separators were written."""
    folded = fold(text)
    if len(folded) != len(text):  # a character whose lower case is longer ("İ")
        folded = "".join(fold(c)[:1] or c for c in text)
    kept, where = [], []
    for m in _ALNUM_RUN.finditer(folded):
        kept.append(m.group())
        where.extend(range(m.start(), m.end()))
    return "".join(kept), where


def _loose_spans(text: str, groups: list[tuple[list[str], str]]) -> list[Span]:
    """A known value written any other way: case, spaces, dashes, dots, diacritics
    ("ACC-100234" finds "acc 100234", "Storgatan 12B" finds "storgatan 12 b"). The digits
    of a value with letters are looked for alone too ("100234")."""
    keys: dict[str, str] = {}
    for values, kind in groups:
        for value in values:
            key = "".join(fold(c)[:1] for c in value or "" if c.isalnum())
            if len(key) >= 4:
                keys[key] = kind
            digits = _digits(value or "")
            if len(digits) >= 5:
                keys[digits] = kind
    if not keys:
        return []
    squeezed, where = _alnum_index(text)
    spans: list[Span] = []
    for key, kind in keys.items():
        found = squeezed.find(key)
        while found != -1:
            start, end = where[found], where[found + len(key) - 1] + 1
            inside_word = (start > 0 and text[start - 1].isalnum()) or (
                end < len(text) and text[end].isalnum()
            )
            if not inside_word:
                spans.append(Span(start, end, kind, "known"))
            found = squeezed.find(key, found + 1)
    return spans


def _known_spans(text: str, known: KnownEntities) -> list[Span]:
    spans: list[Span] = _name_spans(text, known.names)
    lowered = text.lower()
    lines = [line for a in known.addresses for line in re.split(r"[,\n]", a or "")]
    lines = [line for line in lines if len(line.strip()) >= 4]
    spans += _loose_spans(text, [(known.account_numbers, "account"), (lines, "address")])
    for kind, values in (("email", known.emails),):
        for value in values:
            value = (value or "").strip().lower()
            if len(value) < 3:
                continue
            start = lowered.find(value)
            while start != -1:
                spans.append(Span(start, start + len(value), kind, "known"))
                start = lowered.find(value, start + 1)
    keys = _phone_keys(known.phones)
    if keys:
        for m in _DIGITS_RUN.finditer(text):
            digits = _digits(m.group())
            if any(
                digits.endswith(k) or k.endswith(digits[-9:]) and len(digits) >= 7 for k in keys
            ):
                spans.append(Span(m.start(), m.end(), "phone", "known"))
    return spans


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def _url_is_private(url: str) -> bool:
    """URLs with a query, a fragment, or an id/token-like path segment may identify someone."""
    if "?" in url or "#" in url or "@" in url:
        return True
    path = re.sub(r"^(?:https?://)?[^/]+", "", url, flags=re.IGNORECASE)
    return any(
        len(segment) >= 12 and re.search(r"\d", segment) or re.fullmatch(r"\d{4,}", segment)
        for segment in path.split("/")
    )


def _detector_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    spans += [Span(m.start(), m.end(), "email", "email") for m in _EMAIL.finditer(text)]
    spans += [Span(m.start(), m.end(), "reference", "reference") for m in _REFERENCE.finditer(text)]
    for m in _URL.finditer(text):
        if _url_is_private(m.group()):
            spans.append(Span(m.start(), m.end(), "url", "url"))
    # Number-shaped detectors run only inside runs of digits and separators: scanning the
    # whole text once per detector cost more than everything else the anonymizer does.
    windows = [(m.start(), m.end()) for m in _NUMERIC_CHUNK.finditer(text)]

    def within(regex: re.Pattern):
        for start, end in windows:
            yield from regex.finditer(text, start, end)

    for m in within(_CARD):
        digits = _digits(m.group())
        if 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            spans.append(Span(m.start(), m.end(), "card", "luhn"))
    for m in _IBAN.finditer(text):
        if iban.is_valid(m.group()):
            spans.append(Span(m.start(), m.end(), "iban", "iban"))
    for m in within(_PERSONNUMMER):
        value = m.group()
        has_separator = any(c in value for c in "-+") or len(_digits(value)) == 12
        if personnummer.is_valid(value.replace(" ", "")) or has_separator:
            spans.append(Span(m.start(), m.end(), "national_id", "personnummer"))
    for m in within(_SSN):
        if ssn.is_valid(m.group().replace(" ", "-")):
            spans.append(Span(m.start(), m.end(), "national_id", "ssn"))
    for m in within(_IPV4):
        if _valid_ip(m.group()):
            spans.append(Span(m.start(), m.end(), "ip", "ip"))
    if "::" in text or text.count(":") >= 3:
        for m in _IPV6.finditer(text):
            if _valid_ip(m.group()):
                spans.append(Span(m.start(), m.end(), "ip", "ip"))
    spans += _phone_spans(text)
    for regex in (_STREET_SV, _STREET_EN, _POSTCODE_CITY):
        spans += [Span(m.start(), m.end(), "address", "street") for m in regex.finditer(text)]
    spans += [Span(*found) for found in detectors.detect(text)]
    return spans


# When two detectors claim the same text, the more specific kind names it.
PRIORITY = {
    "secret": -1,
    "email": 0,
    "card": 1,
    "iban": 2,
    "national_id": 3,
    "ip": 4,
    "url": 5,
    "reference": 6,
    "account": 7,
    "phone": 8,
    "address": 9,
    "name": 10,
    "number": 7,
    "date": 8,
    "device": 4,
    "plate": 9,
}


def _merge(spans: list[Span], text: str) -> list[Span]:
    """Non-overlapping spans covering the union of all claims ("Anna Berg" is one [name])."""

    def text_between(start: int, end: int) -> str:
        return text[start:end]

    merged: list[Span] = []
    ordered = sorted(spans, key=lambda s: (s.start, -(s.end - s.start), PRIORITY[s.kind]))
    for span in ordered:
        if (
            merged
            and span.kind == merged[-1].kind == "name"
            and span.start >= merged[-1].end
            and not text_between(merged[-1].end, span.start).strip(" \t")
        ):
            merged[-1] = Span(merged[-1].start, span.end, "name", merged[-1].source)
            continue
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            kind = last.kind
            if span.end > last.end and span.end - span.start > last.end - last.start:
                kind = span.kind
            merged[-1] = Span(last.start, max(last.end, span.end), kind, last.source)
            continue
        merged.append(span)
    return merged


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")


def _phone_spans(text: str) -> list[Span]:
    """Phone numbers in any written format.

    Candidates are digit runs with the separators people write (spaces, dashes, dots,
    brackets, a leading + or 00). Runs of 8–15 digits are phones unless they are dates;
    7-digit runs are checked with libphonenumber's PhoneNumberMatcher in several regions.
    Running the matcher on whole texts costs ~10 ms each; on candidates it is ~50x cheaper.
    """
    spans: list[Span] = []
    for m in _DIGITS_RUN.finditer(text):
        candidate = m.group().strip()
        if _DATE.match(candidate) or _valid_ip(candidate):
            continue
        digits = _digits(candidate)
        if 8 <= len(digits) <= 15:
            spans.append(Span(m.start(), m.end(), "phone", "digits"))
        elif len(digits) == 7:
            for region in PHONE_REGIONS:
                leniency = phonenumbers.Leniency.POSSIBLE
                if any(True for _ in phonenumbers.PhoneNumberMatcher(candidate, region, leniency)):
                    spans.append(Span(m.start(), m.end(), "phone", "phonenumbers"))
                    break
    return spans


def anonymize(
    text: str, known: KnownEntities | None = None, vocabulary: frozenset[str] = frozenset()
) -> Anonymized:
    """Replace everything that could identify a person with typed placeholders, then flag
    every remaining token the allow-list gate cannot clear (`vocabulary`: the site's own
    words, see `community.site_vocabulary`)."""
    text = text or ""
    spans = _merge(_known_spans(text, known or KnownEntities()) + _detector_spans(text), text)
    pieces, position = [], 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(PLACEHOLDERS[span.kind])
        position = span.end
    pieces.append(text[position:])
    redacted = "".join(pieces)
    return Anonymized(redacted, spans, gate.check(redacted, vocabulary))
