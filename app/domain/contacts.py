"""Normalizing contact details, so one person is one customer across channels."""

from __future__ import annotations

import re
from email.utils import parseaddr

import phonenumbers
from flask_babel import lazy_gettext as _l

from app.domain.errors import DomainError

_ADDRESS = re.compile(r"[^@\s<>(),;:\"]{1,64}@[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")


class InvalidContact(DomainError):
    """A phone number or email address that cannot be used to reach anyone."""


class PhoneHasLetters(InvalidContact):
    """Letters in a phone number: phonenumbers would turn "ABC" into 222 (a vanity number),
    which is never what a customer meant when typing a number for us to call."""


_LETTER = re.compile(r"[^\W\d_]")


def normalize_email(raw: str) -> str:
    """Lower-cased bare address (display name dropped); raises InvalidContact.

    Deliberately lenient: real senders use odd but deliverable addresses, and rejecting
    them would lose a customer's mail.
    """
    _name, address = parseaddr((raw or "").strip())
    address = address.strip().lower()
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        raise InvalidContact(_l("That is not an email address."))
    return address


def normalize_phone(raw: str, default_region: str = "SE") -> str:
    """E.164 form (+46701234567); raises InvalidContact for impossible numbers."""
    if _LETTER.search(raw or ""):
        raise PhoneHasLetters("letters in a phone number")
    try:
        number = phonenumbers.parse((raw or "").strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidContact(_l("That is not a valid phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact(_l("That is not a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_phone_numbers(text: str, default_region: str = "SE", limit: int = 5) -> list[str]:
    """Valid phone numbers written in a message ("ring mig på 070-123 45 67"), E.164, in order.

    The acknowledgement promises "write your phone number in a reply and we will call you":
    this is how the agent sees them. A number in a mail proves nothing about who wrote it."""
    found: list[str] = []
    for match in phonenumbers.PhoneNumberMatcher(
        (text or "")[:20000], default_region, leniency=phonenumbers.Leniency.VALID
    ):
        number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if number not in found:
            found.append(number)
        if len(found) == limit:
            break
    return found


# Number types that cannot receive a text: a fixed line (a landline) and the like.
_NO_SMS_TYPES = (
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.VOICEMAIL,
)


def can_take_sms(phone: str | None) -> bool:
    """False for a number that is surely not a mobile (a Swedish 08- landline, a toll-free
    number); True for mobiles and numbers that may be either (North America, VoIP)."""
    if not phone:
        return False
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) not in _NO_SMS_TYPES


def format_phone(phone: str | None, default_region: str = "SE") -> str:
    """A number as people read it aloud: national form at home ("08-500 000 00"),
    international form otherwise ("+44 20 7946 0000")."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, default_region)
    except phonenumbers.NumberParseException:
        return phone
    region = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == default_region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return "•••"
    local, domain = email.split("@", 1)
    return f"{local[:1]}•••@{domain}"


def mask_phone(phone: str | None) -> str:
    if not phone:
        return "•••"
    return "•" * max(len(phone) - 2, 3) + phone[-2:]
