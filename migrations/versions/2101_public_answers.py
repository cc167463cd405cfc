"""Public answers: question/answer written for the public, gate flags, re-checks, stemmed search.

Existing articles are migrated: the customer's message is no longer published (the question
becomes the neutral title), the answer loses greetings, sign-offs and quoted history, and
every published article that still looks doubtful (placeholders left, the letter had to be
cut, or the allow-list gate flags a word) goes back to review.

Revision ID: 2101
Revises: 1501
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "2101"
down_revision = "1501"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SQLITE_FTS_OLD = ("title", "problem", "resolution")


def _drop_sqlite_fts() -> None:
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS articles_fts_{name}")
    op.execute("DROP TABLE IF EXISTS articles_fts")


def _create_sqlite_fts(columns: tuple[str, ...]) -> None:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE articles_fts USING fts5({cols}, content='articles', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
        f"INSERT INTO articles_fts(rowid, {cols}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
        f"INSERT INTO articles_fts(articles_fts, rowid, {cols}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER articles_fts_update AFTER UPDATE OF {cols} ON articles BEGIN "
        f"INSERT INTO articles_fts(articles_fts, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO articles_fts(rowid, {cols}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


PG_VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('swedish', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(problem, '')), 'B') || "
    "setweight(to_tsvector('swedish', coalesce(problem, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(resolution, '')), 'C') || "
    "setweight(to_tsvector('swedish', coalesce(resolution, '')), 'C') || "
    "setweight(to_tsvector('simple', coalesce(search_stems, '')), 'D')"
)
PG_VECTOR_OLD = (
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(problem, '')), 'B') || "
    "setweight(to_tsvector('simple', coalesce(resolution, '')), 'C')"
)


def _pg_vector(expression: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_articles_search")
    op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector")
    op.execute(
        f"ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) "
        "STORED"
    )
    op.execute(
        "CREATE INDEX ix_articles_search ON articles USING gin (search_vector) "
        "WHERE status = 'published'"
    )


def _migrate_rows(bind) -> None:
    from app.domain import gate
    from app.domain.community import strip_letter
    from app.textsearch import stems_text

    rows = bind.execute(
        sa.text(
            "SELECT id, title, problem, resolution, status, approved_at, published_at "
            "FROM articles"
        )
    ).all()
    for row in rows:
        question = row.title
        answer = strip_letter(row.resolution) or row.resolution
        flags = [
            {"field": field, "token": text[s:e], "decision": None}
            for field, text in (("problem", question), ("resolution", answer))
            for s, e in gate.check(text)
        ]
        doubtful = bool(flags) or answer != row.resolution.strip() or "[" in question + answer
        status = row.status
        reason = None
        if status in ("published", "approved") and doubtful:
            status, reason = "review", "migrated"
        bind.execute(
            sa.text(
                "UPDATE articles SET problem = :problem, resolution = :resolution, "
                "status = :status, review_reason = :reason, flags = :flags, "
                "checked_at = :checked, search_stems = :stems WHERE id = :id"
            ).bindparams(sa.bindparam("flags", type_=JSON)),
            {
                "problem": question,
                "resolution": answer,
                "status": status,
                "reason": reason,
                "flags": flags,
                "checked": row.approved_at or row.published_at,
                "stems": stems_text(f"{row.title} {question} {answer}"),
                "id": row.id,
            },
        )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _drop_sqlite_fts()
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("public_question", sa.Text(), nullable=True))
        batch.add_column(sa.Column("public_answer", sa.Text(), nullable=True))
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("flags", JSON, nullable=True))
        batch.add_column(sa.Column("review_reason", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("checked_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("helpful_no_at_check", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("search_stems", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_articles_superseded_by_id_articles", "articles", ["superseded_by_id"], ["id"]
        )
    _migrate_rows(bind)
    if sqlite:
        _create_sqlite_fts(("search_stems",))
    else:
        _pg_vector(PG_VECTOR)


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _drop_sqlite_fts()
    else:
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector")
    with op.batch_alter_table("articles") as batch:
        batch.drop_constraint("fk_articles_superseded_by_id_articles", type_="foreignkey")
        for column in (
            "search_stems",
            "superseded_by_id",
            "helpful_no_at_check",
            "checked_at",
            "review_reason",
            "flags",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("public_answer")
        batch.drop_column("public_question")
    if sqlite:
        _create_sqlite_fts(SQLITE_FTS_OLD)
    else:
        _pg_vector(PG_VECTOR_OLD)
