"""Signed reply addresses: support+HD-482113.k3j9x2@domain.

The signature ties the address to one ticket, so a reply threads even when the customer's
mail program drops our headers, and nobody can guess their way into someone else's ticket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from flask import current_app

_PLUS = re.compile(
    r"^(?P<local>[^+@]+)\+(?P<ref>HD-\d{4,9})\.(?P<sig>[a-z2-7]{10})@(?P<domain>.+)$", re.I
)


def _signature(reference: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"reply:" + reference.upper().encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().lower()[:10]


def reply_address(reference: str) -> str:
    local, domain = current_app.config["SUPPORT_ADDRESS"].split("@", 1)
    return f"{local}+{reference.upper()}.{_signature(reference)}@{domain}"


def reference_from_address(address: str) -> str | None:
    """The ticket reference if `address` is a reply address we signed, else None."""
    match = _PLUS.match((address or "").strip().lower())
    if not match:
        return None
    reference = match.group("ref").upper()
    if hmac.compare_digest(match.group("sig"), _signature(reference)):
        return reference
    return None
