"""SPF, DKIM and DMARC verdicts for inbound mail.

Two modes. Direct MX ("verify"): compute the verdicts ourselves with pyspf, dkimpy and
authheaders. Behind Postfix ("trusted-relay"): believe an Authentication-Results header only
when it carries our own authserv-id and the connection came from a configured relay.
DNS is injectable (`Resolver`) so tests never touch the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email import message_from_bytes, policy

import dkim
import dns.exception
import dns.resolver
import spf
from authheaders import check_dmarc
from authres import AuthenticationResultsHeader, DKIMAuthenticationResult, SPFAuthenticationResult

from app.domain.email_types import Verdicts

TxtLookup = Callable[[str], list[str]]  # domain -> TXT strings ([] if none)


def dns_txt(domain: str) -> list[str]:
    """Real DNS TXT lookup (short timeout so a slow resolver cannot stall intake)."""

    try:
        answers = dns.resolver.resolve(domain, "TXT", lifetime=3)
    except (dns.exception.DNSException, OSError):
        return []
    return [b"".join(r.strings).decode("utf-8", "replace") for r in answers]


class _SpfQuery(spf.query):
    """pyspf with our resolver for TXT lookups (A/MX mechanisms use the given `addresses`)."""

    def __init__(self, *args, txt: TxtLookup, addresses: Callable[[str], list[str]], **kw):
        super().__init__(*args, **kw)
        self._txt = txt
        self._addresses = addresses

    def dns(self, name, qtype, cnames=None, ignore_void=False):  # noqa: ARG002
        if qtype in ("TXT", "SPF"):
            return [[t.encode()] for t in self._txt(name)]
        if qtype in ("A", "AAAA"):
            return self._addresses(name)
        return []


def check_spf(ip: str | None, mail_from: str, helo: str, txt: TxtLookup | None = None) -> str:
    if not ip:
        return "none"
    try:
        if txt is None:
            result, _ = spf.check2(ip, mail_from or f"postmaster@{helo}", helo)
        else:
            query = _SpfQuery(
                ip, mail_from or f"postmaster@{helo}", helo, txt=txt, addresses=lambda name: []
            )
            result, _, _ = query.check()
        return result or "none"
    except Exception:  # noqa: BLE001 - a broken record is "permerror", never a crash
        return "permerror"


def _from_domain(raw: bytes) -> str | None:
    found = re.search(rb"^From:.*@([A-Za-z0-9.-]+)", raw[:65536], re.IGNORECASE | re.MULTILINE)
    return found.group(1).decode().lower().rstrip(".") if found else None


def verify(
    raw: bytes,
    *,
    ip: str | None,
    mail_from: str,
    helo: str,
    txt: TxtLookup | None = None,
) -> Verdicts:
    """Compute SPF, DKIM and DMARC for a message received directly from the internet."""
    lookup = txt or dns_txt

    def dkim_dns(name, timeout=5):  # dkimpy/authheaders dnsfunc: bytes of the TXT record
        name = name.decode() if isinstance(name, bytes) else name
        records = lookup(name.rstrip("."))
        return records[0].encode() if records else None

    def dmarc_dns(name, timeout=5):  # authheaders' DMARC lookup wants text, not bytes
        name = name.decode() if isinstance(name, bytes) else name
        records = lookup(name.rstrip("."))
        return records[0] if records else None

    verdicts = Verdicts(source="verified", from_domain=_from_domain(raw))
    verdicts.spf = check_spf(ip, mail_from, helo, txt)
    if b"dkim-signature:" in raw[:262144].lower():
        try:
            verdicts.dkim = "pass" if dkim.verify(raw, dnsfunc=dkim_dns) else "fail"
        except Exception:  # noqa: BLE001
            verdicts.dkim = "permerror"
    try:
        spf_result = SPFAuthenticationResult(
            result=verdicts.spf, smtp_mailfrom=mail_from or f"postmaster@{helo}", smtp_helo=helo
        )
        dkim_result = DKIMAuthenticationResult(result=verdicts.dkim, header_d=_dkim_domain(raw))
        dmarc = check_dmarc(raw, spf_result, dkim_result, dnsfunc=dmarc_dns)
        verdicts.dmarc = str(dmarc.result or "none")
    except Exception:  # noqa: BLE001
        verdicts.dmarc = "temperror"
    return verdicts


def _dkim_domain(raw: bytes) -> str | None:
    found = re.search(rb"DKIM-Signature:[^\n]*(?:\n[ \t][^\n]*)*", raw[:262144], re.IGNORECASE)
    if not found:
        return None
    domain = re.search(rb"\bd=([A-Za-z0-9.-]+)", found.group(0))
    return domain.group(1).decode().lower() if domain else None


def from_trusted_header(header_values: list[str], authserv_id: str) -> Verdicts:
    """Read the verdicts our own MTA wrote: every Authentication-Results with our authserv-id,
    topmost (the last added, by our MTA) first. The first result for a method wins; a later
    header (possibly written by the sender with our id) never overrides it."""
    verdicts = Verdicts(source="none")
    seen: set[str] = set()
    for value in header_values:
        try:
            parsed = AuthenticationResultsHeader.parse("Authentication-Results: " + value)
        except Exception:  # noqa: BLE001, S112 - a malformed header is simply not evidence
            continue
        if (parsed.authserv_id or "").lower() != authserv_id.lower():
            continue  # written by someone else: could be forged by the sender
        verdicts.source = "trusted-relay"
        for result in parsed.results:
            method = result.method.lower()
            if method not in ("spf", "dkim", "dmarc") or method in seen:
                continue
            seen.add(method)
            setattr(verdicts, method, str(result.result).lower())
            if method == "dmarc":
                verdicts.from_domain = getattr(result, "header_from", None)
    return verdicts


def trusted_header_values(raw: bytes) -> list[str]:
    """Authentication-Results above the second Received header, topmost first.

    Our MTA adds one Received header and its Authentication-Results next to it; whatever
    lies below the hop before that came with the message and proves nothing."""
    message = message_from_bytes(raw, policy=policy.compat32)
    values: list[str] = []
    received = 0
    for name, value in message.items():
        lowered = name.lower()
        if lowered == "received":
            received += 1
            if received == 2:
                break
        elif lowered == "authentication-results":
            values.append(str(value))
    return values
