"""Trusted helpers (a relative or carer acting for a customer) and their identity checks.

Revision ID: 2001
Revises: 2101
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "2001"
down_revision = "2101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trusted_helpers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("scope_ticket_id", sa.Integer(), nullable=True),
        sa.Column(
            "may_see", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_agent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_agent_id"],
            ["agents.id"],
            name="fk_trusted_helpers_created_by_agent_id_agents",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_trusted_helpers_customer_id_customers"
        ),
        sa.ForeignKeyConstraint(
            ["scope_ticket_id"], ["tickets.id"], name="fk_trusted_helpers_scope_ticket_id_tickets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_trusted_helpers"),
    )
    op.create_index(
        "ix_trusted_helpers_customer_id", "trusted_helpers", ["customer_id"], unique=False
    )
    with op.batch_alter_table("verification_challenges") as batch:
        batch.add_column(sa.Column("helper_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_verification_challenges_helper_id_trusted_helpers",
            "trusted_helpers",
            ["helper_id"],
            ["id"],
        )
    op.add_column("tickets", sa.Column("verified_helper_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("verified_helper_id")
    with op.batch_alter_table("verification_challenges") as batch:
        batch.drop_constraint(
            "fk_verification_challenges_helper_id_trusted_helpers", type_="foreignkey"
        )
        batch.drop_column("helper_id")
    op.drop_index("ix_trusted_helpers_customer_id", table_name="trusted_helpers")
    op.drop_table("trusted_helpers")
