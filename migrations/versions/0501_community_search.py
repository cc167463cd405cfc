"""Full-text search over articles: SQLite FTS5 (with triggers) or PostgreSQL tsvector + GIN.

Revision ID: 0501
Revises: 0001
"""

from alembic import op

revision = "0501"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE articles_fts USING fts5("
            "title, problem, resolution, content='articles', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
            "INSERT INTO articles_fts(rowid, title, problem, resolution) "
            "VALUES (new.id, new.title, new.problem, new.resolution); END"
        )
        op.execute(
            "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
            "INSERT INTO articles_fts(articles_fts, rowid, title, problem, resolution) "
            "VALUES ('delete', old.id, old.title, old.problem, old.resolution); END"
        )
        op.execute(
            "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, problem, resolution "
            "ON articles BEGIN "
            "INSERT INTO articles_fts(articles_fts, rowid, title, problem, resolution) "
            "VALUES ('delete', old.id, old.title, old.problem, old.resolution); "
            "INSERT INTO articles_fts(rowid, title, problem, resolution) "
            "VALUES (new.id, new.title, new.problem, new.resolution); END"
        )
        op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('simple', coalesce(problem, '')), 'B') || "
            "setweight(to_tsvector('simple', coalesce(resolution, '')), 'C')) STORED"
        )
        op.execute(
            "CREATE INDEX ix_articles_search ON articles USING gin (search_vector) "
            "WHERE status = 'published'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS articles_fts_{name}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector")
