"""Customer name search by prefix, case-insensitive, through an index on lower(name).

Revision ID: 0403
Revises: 0402
"""

from alembic import op

revision = "0403"
down_revision = "0402"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_customers_name_lower ON customers (lower(name))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_customers_name_lower")
