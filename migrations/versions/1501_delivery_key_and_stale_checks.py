"""What identifies an inbound delivery (Message-ID and content hash), and the reconciler's
backoff counter on outbox rows.

Revision ID: 1501
Revises: 0403
"""

import sqlalchemy as sa
from alembic import op

revision = "1501"
down_revision = "0403"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("delivery_key", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_messages_delivery_key"), "messages", ["delivery_key"], unique=True)
    op.add_column(
        "outbox",
        sa.Column("stale_checks", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("stale_checks")
    op.drop_index(op.f("ix_messages_delivery_key"), table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("delivery_key")
