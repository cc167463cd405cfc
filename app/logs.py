"""Structured logs that never carry private data.

Every record passes a filter that replaces email addresses, phone numbers and one-time-code
shaped numbers before any handler sees it, so a careless log call cannot leak them.
LOG_FORMAT=json (the production default) writes one JSON object per line.
"""

from __future__ import annotations

import json
import logging
import re

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d[\d ()./-]{6,}\d(?!\w)")
_CODE = re.compile(r"(?<![\w-])\d{6}(?![\w-])")


_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _phone_or_ip(match: re.Match) -> str:
    return match.group(0) if _IPV4.match(match.group(0)) else "[phone]"


# Timestamps are not personal data, but their digit runs look like phone numbers: an ISO
# date (a real calendar date), optionally with a time and zone, or a bare clock time.
_TIMESTAMP = re.compile(
    r"(?<![\d+-])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"(?![\d-])"
    r"|(?<![\d:])(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?![\d:])"
)


def _scrub_plain(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub(_phone_or_ip, text)
    return _CODE.sub("[number]", text)


def scrub(text: str) -> str:
    """Replace emails, phone numbers and 6-digit codes with typed placeholders.

    Timestamps are kept whole (they would otherwise read as phone numbers), so log lines
    keep their times and URLs such as Twilio's /2010-04-01/Accounts/... stay readable.
    """
    parts: list[str] = []
    last = 0
    for match in _TIMESTAMP.finditer(text):
        parts.append(_scrub_plain(text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_scrub_plain(text[last:]))
    return "".join(parts)


class PrivacyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not crash the caller
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str = "text", level: str = "INFO") -> None:
    """Install one privacy-filtered handler on the root logger (idempotent)."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        if getattr(handler, "_helpdesk", False):
            return
    handler = logging.StreamHandler()
    handler._helpdesk = True  # type: ignore[attr-defined]
    handler.addFilter(PrivacyFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    # aiosmtpd logs every SMTP command (addresses included) at INFO: keep only problems.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
