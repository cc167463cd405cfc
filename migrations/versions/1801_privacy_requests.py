"""Data-protection requests: erasure and export progress.

Revision ID: 1801
Revises: 1601
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "1801"
down_revision = "1601"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("keep_article_ids", JSON, nullable=True),
        sa.Column("cleanup", JSON, nullable=True),
        sa.Column("counts", JSON, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["agents.id"],
            name=op.f("fk_privacy_requests_requested_by_id_agents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    with op.batch_alter_table("privacy_requests") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_requests_customer_id"), ["customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("privacy_requests") as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_requests_customer_id"))
    op.drop_table("privacy_requests")
