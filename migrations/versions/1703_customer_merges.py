"""Customer merges (and splits): the record of what moved, and the merged customer's pointer.

Revision ID: 1703
Revises: 1702
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "1703"
down_revision = "1702"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "customer_merges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agents.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("confirmed_warnings", JSON, nullable=True),
        sa.Column("snapshot", JSON, nullable=False),
        sa.Column("moved", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("split_at", sa.DateTime(), nullable=True),
        sa.Column("split_by_agent_id", sa.Integer(), sa.ForeignKey("agents.id"), nullable=True),
        sa.Column("split_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_customer_merges_source_id", "customer_merges", ["source_id"])
    op.create_index("ix_customer_merges_target_id", "customer_merges", ["target_id"])
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_customers_merged_into_id", "customers", ["merged_into_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint("fk_customers_merged_into_id", type_="foreignkey")
        batch.drop_column("merged_into_id")
    op.drop_index("ix_customer_merges_target_id", table_name="customer_merges")
    op.drop_index("ix_customer_merges_source_id", table_name="customer_merges")
    op.drop_table("customer_merges")
