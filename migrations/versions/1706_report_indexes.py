"""Indexes for manager reports: tickets by opening and resolution time, callbacks by time.

Revision ID: 1706
Revises: 1705
"""

from alembic import op

revision = "1706"
down_revision = "1705"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_tickets_created_report", "tickets", ["created_at", "channel", "first_response_at"]
    )
    op.create_index(
        "ix_tickets_resolved_report",
        "tickets",
        ["resolved_at", "channel", "created_at", "assignee_id"],
    )
    op.create_index("ix_callbacks_created_at", "callback_requests", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_created_at", table_name="callback_requests")
    op.drop_index("ix_tickets_resolved_report", table_name="tickets")
    op.drop_index("ix_tickets_created_report", table_name="tickets")
