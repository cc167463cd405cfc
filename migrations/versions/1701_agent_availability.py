"""Agents mark themselves available for automatic assignment.

Revision ID: 1701
Revises: 1803
"""

import sqlalchemy as sa
from alembic import op

revision = "1701"
down_revision = "1803"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(
            sa.Column("available", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("available")
