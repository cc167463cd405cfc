"""MIME → `InboundEmail`: a plain value the domain layer can use without knowing MIME.

Real-world mail is messy: broken or mislabelled charsets, malformed headers, HTML-only
bodies, forwarded messages. Parsing never raises for such mail; it keeps what it can read
and notes what it could not. Only mail with nothing readable at all is refused.
"""

from __future__ import annotations

import re
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from app.domain.email_types import DeliveryReport, InboundEmail, ParsedAttachment

FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


class UnparseableEmail(ValueError):
    """Nothing readable: no sender and no text. The SMTP server answers 554."""


def _header(message: Message, name: str) -> str:
    """A header as text, RFC 2047 decoded; malformed encodings fall back to the raw text.

    We parse with the fast compat32 policy and decode only the headers we use: the
    header registry of policy.default costs more than everything else in intake.
    """
    value = message.get(name)
    if value is None:
        return ""
    raw = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" not in raw:
        return " ".join(raw.split())
    try:
        return " ".join(str(make_header(decode_header(raw))).split())
    except Exception:  # noqa: BLE001 - bad encoded-words: keep what the sender wrote
        return " ".join(raw.split())


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Declared charset first, then UTF-8, Windows-1252, Latin-1 (which never fails)."""
    candidates = [declared] if declared else []
    for charset in [*candidates, *FALLBACK_CHARSETS]:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1", "replace")


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    return decode_bytes(payload, part.get_content_charset())


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # noqa: BLE001, S110 - broken HTML still yields what was read
        pass
    text = "".join(extractor.chunks)
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_QUOTE_HEADER = re.compile(
    r"^((On|Den|Am|Le) .+(wrote|skrev|schrieb|écrit).*:"
    r"|-{2,}\s*(Original Message|Ursprungligt meddelande)\s*-{2,}|From: .+|Från: .+)\s*$",
    re.IGNORECASE,
)


def trim_quoted(text: str) -> str:
    """The new part of a reply: stop at 'On … wrote:' (or Swedish/Outlook forms) or '>' lines."""
    kept: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _QUOTE_HEADER.match(stripped) and index > 0:
            break
        if stripped.startswith(">") and all(
            not rest.strip() or rest.strip().startswith(">") for rest in lines[index:]
        ):
            break
        kept.append(line)
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()


def safe_filename(name: str | None, fallback: str = "attachment.bin") -> str:
    """Keep letters, digits, dots, dashes, spaces; no paths, no control characters."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[^\w.\- ()]+", "_", name, flags=re.UNICODE).strip(" ._")
    return (name or fallback)[:120]


def _ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def _delivery_report(message: Message) -> DeliveryReport | None:
    if message.get_content_type() != "multipart/report":
        return None
    status_text, original_id = "", None
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            blocks = part.get_payload()
            if isinstance(blocks, list):
                status_text = "\n".join(str(b) for b in blocks)
            else:
                status_text = _part_text(part)
        elif content_type in ("message/rfc822", "text/rfc822-headers") and original_id is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original_id = (_ids(_header(inner[0], "Message-ID")) or [None])[0]
            else:
                found = re.search(r"^Message-ID:\s*(<[^>]+>)", _part_text(part), re.I | re.M)
                original_id = found.group(1) if found else None

    def field_of(name: str) -> str:
        found = re.search(rf"^{name}:\s*(.+)$", status_text, re.IGNORECASE | re.MULTILINE)
        return found.group(1).strip() if found else ""

    recipient = field_of("Final-Recipient").split(";")[-1].strip() or None
    return DeliveryReport(
        original_message_id=original_id,
        action=field_of("Action").lower() or "failed",
        status=field_of("Status"),
        recipient=recipient,
        diagnostic=field_of("Diagnostic-Code")[:500],
    )


_SWEDISH = re.compile(r"\b(hej|och|jag|inte|tack|mvh|hälsningar|kan ni|min|är)\b", re.IGNORECASE)


def guess_language(content_language: str, text: str) -> str | None:
    if content_language.lower().startswith("sv"):
        return "sv"
    if content_language.lower().startswith("en"):
        return "en"
    return "sv" if len(set(m.lower() for m in _SWEDISH.findall(text[:2000]))) >= 2 else None


def parse_email(raw: bytes) -> InboundEmail:
    """Parse raw RFC 5322 bytes. Raises UnparseableEmail only when nothing is readable."""
    message: Message = BytesParser(policy=policy.compat32).parsebytes(raw)
    defects = [type(d).__name__ for d in message.defects]
    name, address = parseaddr(_header(message, "From"))
    sender = address.strip().lower() if "@" in address else None
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[ParsedAttachment] = []
    _collect(message, texts, htmls, attachments, defects, depth=0)
    html = "\n".join(htmls) or None
    full_text = "\n\n".join(t.strip() for t in texts if t.strip())
    if not full_text and html:
        full_text = html_to_text(html)
    if not sender and not full_text.strip() and not attachments:
        raise UnparseableEmail("no sender and no readable content")
    headers = {
        key.lower(): _header(message, key)
        for key in (
            "Auto-Submitted",
            "Precedence",
            "List-Id",
            "List-Unsubscribe",
            "X-Auto-Response-Suppress",
            "Content-Language",
            "Authentication-Results",
            "Return-Path",
            "Date",
        )
        if message.get(key) is not None
    }
    return InboundEmail(
        sender_email=sender,
        sender_name=(name or None) and name.strip()[:200],
        to=[a.lower() for _, a in getaddresses([_header(message, "To")]) if a],
        subject=" ".join(_header(message, "Subject").split())[:300],
        text=trim_quoted(full_text),
        full_text=full_text,
        html=html,
        message_id=(_ids(_header(message, "Message-ID")) or [None])[0],
        in_reply_to=(_ids(_header(message, "In-Reply-To")) or [None])[0],
        references=_ids(_header(message, "References"))[-50:],
        headers=headers,
        attachments=attachments,
        defects=defects,
        delivery_report=_delivery_report(message),
        language=guess_language(headers.get("content-language", ""), full_text),
    )


def _collect(part, texts, htmls, attachments, defects, depth: int) -> None:
    """Walk the MIME tree: body text/HTML, attachments, forwarded messages (depth-limited)."""
    if depth > 20:
        defects.append("TooDeeplyNested")
        return
    content_type = part.get_content_type()
    disposition = (part.get_content_disposition() or "").lower()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
        if inner is not None:
            inner_texts: list[str] = []
            _collect(inner, inner_texts, [], attachments, defects, depth + 1)
            texts.append(
                "---- Forwarded message ----\n"
                f"From: {_header(inner, 'From')}\nSubject: {_header(inner, 'Subject')}\n\n"
                + "\n".join(inner_texts)
            )
            attachments.append(
                ParsedAttachment("forwarded-message.eml", "message/rfc822", inner.as_bytes())
            )
        return
    if part.is_multipart():
        if content_type == "multipart/alternative":
            children = part.get_payload()
            plain = [c for c in children if c.get_content_type() == "text/plain"]
            html = [c for c in children if c.get_content_type() == "text/html"]
            if plain:
                texts.append(_part_text(plain[0]))
            if html:
                htmls.append(_part_text(html[0]))
            for child in children:
                if child.is_multipart():
                    _collect(
                        child,
                        texts if not plain else [],
                        htmls if not html else [],
                        attachments,
                        defects,
                        depth + 1,
                    )
            return
        for child in part.get_payload():
            _collect(child, texts, htmls, attachments, defects, depth + 1)
        return
    filename = None
    try:
        filename = part.get_filename()
        if filename and "=?" in filename:
            filename = str(make_header(decode_header(filename)))
    except Exception:  # noqa: BLE001
        defects.append("BadFilename")
    is_body_text = content_type in ("text/plain", "text/html") and disposition != "attachment"
    if is_body_text and not filename:
        (texts if content_type == "text/plain" else htmls).append(_part_text(part))
        return
    if content_type.startswith("multipart/") or content_type == "message/delivery-status":
        return
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001
        defects.append("UndecodableAttachment")
        return
    content_id = _header(part, "Content-ID").strip("<> ") or None
    attachments.append(
        ParsedAttachment(
            filename=safe_filename(filename, fallback=f"part.{content_type.split('/')[-1]}"),
            content_type=content_type,
            data=data,
            inline=disposition == "inline"
            or (content_id is not None and disposition != "attachment"),
            content_id=content_id,
        )
    )
