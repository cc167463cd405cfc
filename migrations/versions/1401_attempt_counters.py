"""Attempt counters claimed with one conditional UPDATE (login and code-check limits).

Revision ID: 1401
Revises: 1707
"""

import sqlalchemy as sa
from alembic import op

revision = "1401"
down_revision = "1707"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempt_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_started_at", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_attempt_counters")),
    )


def downgrade() -> None:
    op.drop_table("attempt_counters")
