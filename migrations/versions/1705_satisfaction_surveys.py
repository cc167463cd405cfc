"""Satisfaction surveys sent with the resolution notice.

Revision ID: 1705
Revises: 1704
"""

import sqlalchemy as sa
from alembic import op

revision = "1705"
down_revision = "1704"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satisfaction_surveys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agents.id"), nullable=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_via", sa.String(16), nullable=True),
    )
    op.create_index("ix_satisfaction_surveys_ticket_id", "satisfaction_surveys", ["ticket_id"])
    op.create_index("ix_satisfaction_surveys_agent_id", "satisfaction_surveys", ["agent_id"])
    op.create_index("ix_satisfaction_surveys_sent_at", "satisfaction_surveys", ["sent_at"])
    op.create_index("ix_surveys_customer_sent", "satisfaction_surveys", ["customer_id", "sent_at"])


def downgrade() -> None:
    op.drop_table("satisfaction_surveys")
