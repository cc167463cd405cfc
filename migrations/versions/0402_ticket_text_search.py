"""Ticket search over message text: SQLite FTS5 (with triggers) or a PostgreSQL GIN index.

Revision ID: 0402
Revises: 0401
"""

from alembic import op

revision = "0402"
down_revision = "0401"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE messages_fts USING fts5(subject, body_text, "
            "content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
            "INSERT INTO messages_fts(rowid, subject, body_text) "
            "VALUES (new.id, new.subject, new.body_text); END"
        )
        op.execute(
            "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
            "INSERT INTO messages_fts(messages_fts, rowid, subject, body_text) "
            "VALUES ('delete', old.id, old.subject, old.body_text); END"
        )
        op.execute(
            "CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, body_text ON messages "
            "BEGIN INSERT INTO messages_fts(messages_fts, rowid, subject, body_text) "
            "VALUES ('delete', old.id, old.subject, old.body_text); "
            "INSERT INTO messages_fts(rowid, subject, body_text) "
            "VALUES (new.id, new.subject, new.body_text); END"
        )
        op.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "CREATE INDEX ix_messages_text_search ON messages USING gin ("
            "to_tsvector('simple', coalesce(subject, '') || ' ' || body_text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS messages_fts_{name}")
        op.execute("DROP TABLE IF EXISTS messages_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_messages_text_search")
