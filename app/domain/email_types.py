"""What an inbound email means to the domain, without MIME: plain values.

`inbound/parse.py` builds an `InboundEmail` from MIME and `inbound/authentication.py` the
`Verdicts`; the domain (`email_intake`) uses them without knowing either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class DeliveryReport:
    """A bounce (RFC 3464 DSN) of a message we sent."""

    original_message_id: str | None
    action: str
    status: str
    recipient: str | None
    diagnostic: str


@dataclass
class InboundEmail:
    sender_email: str | None
    sender_name: str | None
    to: list[str]
    subject: str
    text: str  # what the customer wrote this time (quoted history trimmed)
    full_text: str  # everything, for the record
    html: str | None  # raw HTML; the domain sanitizes it before storing
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    headers: dict[str, str]
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    delivery_report: DeliveryReport | None = None
    language: str | None = None

    @property
    def is_automatic(self) -> bool:
        """RFC 3834 and common practice: never auto-answer machines, lists or bulk mail."""
        h = self.headers
        if h.get("auto-submitted", "no").lower().split(";")[0].strip() not in ("", "no"):
            return True
        if h.get("precedence", "").lower() in ("bulk", "junk", "list", "auto_reply"):
            return True
        if "list-id" in h or "list-unsubscribe" in h or "x-auto-response-suppress" in h:
            return True
        if self.delivery_report is not None:
            return True
        local = (self.sender_email or "").split("@")[0]
        return local in ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply")


@dataclass
class Verdicts:
    spf: str = "none"
    dkim: str = "none"
    dmarc: str = "none"
    from_domain: str | None = None
    source: str = "none"  # verified | trusted-relay | none

    @property
    def spoof_suspected(self) -> bool:
        return self.dmarc == "fail"

    def as_dict(self) -> dict:
        return {
            "spf": self.spf,
            "dkim": self.dkim,
            "dmarc": self.dmarc,
            "from_domain": self.from_domain,
            "source": self.source,
        }
