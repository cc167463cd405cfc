"""Queue indexes: the active queue in priority/age order, and customer name search.

Revision ID: 0401
Revises: 0501
"""

from alembic import op

revision = "0401"
down_revision = "0501"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A partial index holding only tickets that need work, already in queue order: the
    # queue page reads its first rows instead of sorting every open ticket.
    op.execute(
        "CREATE INDEX ix_tickets_active_queue ON tickets (priority DESC, created_at, id) "
        "WHERE status IN ('new', 'open', 'waiting')"
    )
    op.create_index("ix_customers_name", "customers", ["name"])
    op.create_index("ix_messages_ticket_created", "messages", ["ticket_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_ticket_created", table_name="messages")
    op.drop_index("ix_customers_name", table_name="customers")
    op.execute("DROP INDEX ix_tickets_active_queue")
