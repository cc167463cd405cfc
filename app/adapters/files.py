"""The attachment file store: content-addressed files under ATTACHMENT_DIR."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from flask import current_app

from app.domain.email_types import ParsedAttachment


def store_attachment_file(attachment: ParsedAttachment, root: Path) -> str:
    """Content-addressed store: the same file sent twice is kept once. Atomic rename."""
    digest = attachment.sha256
    target = root / digest[:2] / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(attachment.data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            # A full disk must not leave half-written files behind; the caller answers 4xx.
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    return digest


def store_attachments(attachments: Iterable[ParsedAttachment]) -> None:
    """Write the files of attachments the domain kept, before the caller commits."""
    root = Path(current_app.config["ATTACHMENT_DIR"])
    for attachment in attachments:
        store_attachment_file(attachment, root)


def attachment_path(sha256: str) -> Path:
    """Where the file with this content hash lives."""
    return Path(current_app.config["ATTACHMENT_DIR"]) / sha256[:2] / sha256
