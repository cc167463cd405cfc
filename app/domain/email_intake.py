"""Email into the domain: threading hints, attachments, bounces and RFC 3834 rules.

The SMTP handler parses and authenticates; this decides what the mail means and stores it
in the caller's transaction (the handler writes the attachment files, commits, then answers
250).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from app.domain import ratelimit
from app.domain.email_types import InboundEmail, ParsedAttachment, Verdicts
from app.domain.intake import InboundMessage, IntakeResult, intake
from app.domain.reply_address import reference_from_address
from app.extensions import db
from app.models import Attachment, Message

log = logging.getLogger(__name__)


@dataclass
class EmailOutcome:
    kind: str  # ticket | duplicate | bounce | ignored-bounce
    result: IntakeResult | None = None
    reference: str | None = None
    # Attachments recorded on the message whose files the caller must store before commit.
    files: list[ParsedAttachment] = field(default_factory=list)


def delivery_key(parsed: InboundEmail) -> str:
    """What identifies one delivery: the Message-ID (if any) and a hash of the content.

    A retry of the same mail (same Message-ID, same content) gets the same key and is stored
    once; a different mail reusing a Message-ID, or a mail without one, is told apart by its
    content. Trace headers (Received, Authentication-Results) change between relays and are
    left out.
    """
    digest = hashlib.sha256()
    parts = (
        parsed.message_id or "",
        parsed.sender_email or "",
        parsed.headers.get("date", ""),
        parsed.subject,
        parsed.full_text,
        parsed.html or "",
        *sorted(f"{a.sha256}:{a.filename}" for a in parsed.attachments),
    )
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _record_bounce(parsed: InboundEmail) -> EmailOutcome:
    """A DSN about mail we sent: mark that message failed; never open a ticket for it."""
    report = parsed.delivery_report
    original = None
    ids = [i for i in (report.original_message_id, parsed.in_reply_to, *parsed.references) if i]
    if ids:
        original = db.session.scalar(
            select(Message).where(Message.email_message_id.in_(ids), Message.direction == "out")
        )
    if original is None:
        log.info("bounce for a message we do not know; ignored")
        return EmailOutcome("ignored-bounce")
    if report.action in ("failed", ""):
        original.delivery_status = "bounced"
    else:
        original.delivery_status = report.action  # delayed, relayed, delivered…
    original.delivery_error = " ".join(x for x in (report.status, report.diagnostic) if x)[:500]
    return EmailOutcome("bounce", reference=original.ticket.reference)


def _may_acknowledge(parsed: InboundEmail, envelope_from: str) -> bool:
    config = current_app.config
    if not envelope_from or parsed.is_automatic or not parsed.sender_email:
        return False
    support_domain = config["SUPPORT_ADDRESS"].split("@")[-1]
    sender_domain = parsed.sender_email.split("@")[-1]
    if sender_domain == support_domain or sender_domain in config["INBOUND_DOMAINS"]:
        return False  # our own mail coming back: never answer it
    return ratelimit.consume(
        f"ack:{parsed.sender_email}", config["ACK_LIMIT_PER_SENDER_PER_HOUR"], 3600
    )


def receive_email(
    parsed: InboundEmail, verdicts: Verdicts, *, envelope_from: str, recipients: list[str]
) -> EmailOutcome:
    """Turn one parsed mail into a ticket message (or a delivery failure on one)."""
    if parsed.delivery_report is not None:
        return _record_bounce(parsed)
    thread_reference = next(
        (ref for ref in (reference_from_address(r) for r in recipients) if ref), None
    )
    config = current_app.config
    kept, skipped, total = [], [], 0
    for attachment in parsed.attachments:
        size = len(attachment.data)
        if (
            size > config["ATTACHMENT_MAX_BYTES"]
            or total + size > config["ATTACHMENTS_MAX_TOTAL_BYTES"]
        ):
            skipped.append({"filename": attachment.filename, "size": size})
            continue
        total += size
        kept.append(attachment)
    meta: dict = {}
    if parsed.full_text != parsed.text:
        meta["quoted"] = parsed.full_text[len(parsed.text) :][:20000].strip()
    if skipped:
        meta["attachments_skipped"] = skipped
    if parsed.defects:
        meta["defects"] = sorted(set(parsed.defects))[:20]
    result = intake(
        InboundMessage(
            channel="email",
            body_text=parsed.text,
            subject=parsed.subject,
            sender_email=parsed.sender_email,
            sender_name=parsed.sender_name,
            recipient=recipients[0] if recipients else None,
            body_html=parsed.html,
            email_message_id=parsed.message_id,
            delivery_key=delivery_key(parsed),
            in_reply_to=parsed.in_reply_to,
            references=parsed.references,
            thread_reference=thread_reference,
            language=parsed.language,
            auth_results=verdicts.as_dict(),
            spoof_suspected=verdicts.spoof_suspected,
            acknowledge=_may_acknowledge(parsed, envelope_from),
            meta=meta or None,
        )
    )
    if result.duplicate:
        return EmailOutcome("duplicate", result, result.ticket.reference)
    for attachment in kept:
        db.session.add(
            Attachment(
                message=result.message,
                filename=attachment.filename,
                content_type=attachment.content_type[:127],
                size=len(attachment.data),
                sha256=attachment.sha256,
                inline=attachment.inline,
                content_id=attachment.content_id and attachment.content_id[:255],
            )
        )
    return EmailOutcome("ticket", result, result.ticket.reference, files=kept)
