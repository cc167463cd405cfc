"""Backup and restore, through the real CLI, on whichever database the suite runs on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Ticket

# The SMTP server (its own threads) or the backup (its own connection) reads the database.
pytestmark = pytest.mark.real_commits


def _ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def test_backup_then_restore_brings_back_database_and_attachments(app, runner, tmp_path):
    attachments = Path(app.config["ATTACHMENT_DIR"])
    attachments.mkdir(parents=True, exist_ok=True)
    (attachments / "ab12.bin").write_bytes(b"invoice scan")
    with app.app_context():
        for n in range(3):
            intake(
                InboundMessage(channel="email", sender_email=f"c{n}@example.test", body_text="x")
            )
        db.session.commit()

    result = runner.invoke(args=["backup", "create", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    assert "'tickets': 3" in result.output

    # Disaster: data changes and an attachment disappears after the backup.
    (attachments / "ab12.bin").unlink()
    with app.app_context():
        intake(InboundMessage(channel="email", sender_email="late@example.test", body_text="y"))
        db.session.commit()
        assert _ticket_count() == 4

    refused = runner.invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert refused.exit_code != 0 and "--yes" in refused.output

    result = runner.invoke(args=["backup", "restore", str(tmp_path / "bk"), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        assert _ticket_count() == 3
    assert (attachments / "ab12.bin").read_bytes() == b"invoice scan"
