"""The resolution clock's due time, for its overdue notice and the "N overdue" count (issue 17).

Running tickets get it from the periodic SLA check (it fills every missing due time), so no
data step is needed here. Outcomes of tickets answered or resolved before 1708 are filled by
`flask sla backfill` (batched, resumable), not by this migration.

Revision ID: 1709
Revises: 1708
"""

import sqlalchemy as sa
from alembic import op

revision = "1709"
down_revision = "1708"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("resolution_due_at", sa.DateTime(), nullable=True))
    op.create_index(
        "ix_tickets_resolution_due", "tickets", ["status", "resolution_due_at", "sla_due_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_resolution_due", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("resolution_due_at")
