"""Ticket tags (filterable) and a care note per customer.

Revision ID: 1702
Revises: 1701
"""

import sqlalchemy as sa
from alembic import op

revision = "1702"
down_revision = "1701"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_tags",
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), primary_key=True),
        sa.Column("tag", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_ticket_tags_tag", "ticket_tags", ["tag", "ticket_id"])
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("care_note", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("care_note")
    op.drop_index("ix_ticket_tags_tag", table_name="ticket_tags")
    op.drop_table("ticket_tags")
