"""SLA outcomes recorded when they happen, overdue clocks and their notices (issue 17).

- tickets: business minutes to first response / resolution and whether each met its target
  (set by the domain at that moment, so reports count instead of recomputing clocks), and the
  due time of the running response clock (the cheap "N overdue" count).
- callback_requests: the callback target (due), when the customer was reached, the business
  minutes it took and whether it met the target.
- sla_notices: one row per overdue clock, so the same clock never notifies twice.

Revision ID: 1708
Revises: 1404
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "1708"
down_revision = "1404"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("first_response_minutes", sa.Double(), nullable=True))
        batch.add_column(sa.Column("first_response_met", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("resolution_minutes", sa.Double(), nullable=True))
        batch.add_column(sa.Column("resolution_met", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("sla_due_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("callback_requests") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reached_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("answer_minutes", sa.Double(), nullable=True))
        batch.add_column(sa.Column("sla_met", sa.Boolean(), nullable=True))
    op.create_index("ix_tickets_sla_due", "tickets", ["status", "sla_due_at"])
    op.create_index("ix_callbacks_sla_due", "callback_requests", ["status", "due_at"])
    op.create_index("ix_callbacks_reached_at", "callback_requests", ["reached_at"])
    # Reports read these ranges without touching the table (covering indexes).
    op.drop_index("ix_tickets_created_report", table_name="tickets")
    op.drop_index("ix_tickets_resolved_report", table_name="tickets")
    op.create_index(
        "ix_tickets_created_report",
        "tickets",
        ["created_at", "channel", "priority", "first_response_met", "first_response_minutes"],
    )
    op.create_index(
        "ix_tickets_resolved_report",
        "tickets",
        ["resolved_at", "channel", "priority", "resolution_met", "resolution_minutes", "assignee_id"],
    )
    op.create_table(
        "sla_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("clock", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("recipients", JSON, nullable=True),
        sa.Column("sent_to", JSON, nullable=True),
        sa.UniqueConstraint("ticket_id", "clock", "started_at", name="uq_sla_notices_clock"),
    )
    op.create_index("ix_sla_notices_ticket_id", "sla_notices", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_sla_notices_ticket_id", table_name="sla_notices")
    op.drop_table("sla_notices")
    op.drop_index("ix_tickets_resolved_report", table_name="tickets")
    op.drop_index("ix_tickets_created_report", table_name="tickets")
    op.create_index(
        "ix_tickets_created_report", "tickets", ["created_at", "channel", "first_response_at"]
    )
    op.create_index(
        "ix_tickets_resolved_report",
        "tickets",
        ["resolved_at", "channel", "created_at", "assignee_id"],
    )
    op.drop_index("ix_callbacks_reached_at", table_name="callback_requests")
    op.drop_index("ix_callbacks_sla_due", table_name="callback_requests")
    op.drop_index("ix_tickets_sla_due", table_name="tickets")
    with op.batch_alter_table("callback_requests") as batch:
        for column in ("sla_met", "answer_minutes", "reached_at", "due_at"):
            batch.drop_column(column)
    with op.batch_alter_table("tickets") as batch:
        for column in (
            "sla_due_at",
            "resolution_met",
            "resolution_minutes",
            "first_response_met",
            "first_response_minutes",
        ):
            batch.drop_column(column)
