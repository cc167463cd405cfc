"""Retention: find resolved/closed tickets past their period without scanning every ticket.

Revision ID: 1803
Revises: 1802
"""

from alembic import op

revision = "1803"
down_revision = "1802"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_status_updated", "tickets", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_status_updated", table_name="tickets")
