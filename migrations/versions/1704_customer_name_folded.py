"""Customer names case-folded in Python (å/ä/ö too) and indexed, for search as agents type.

SQLite's lower() only folds ASCII, so lower(name) (migration 0403) missed "Åsa" for "åsa".

Revision ID: 1704
Revises: 1703
"""

import sqlalchemy as sa
from alembic import op

revision = "1704"
down_revision = "1703"
branch_labels = None
depends_on = None


def _fold(name):
    folded = " ".join((name or "").split()).casefold()[:200]
    if not folded:
        return None, None
    return folded, folded.partition(" ")[2] or None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("name_folded", sa.String(200), nullable=True))
        batch.add_column(sa.Column("name_tail_folded", sa.String(200), nullable=True))
    bind = op.get_bind()
    customers = sa.table(
        "customers",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_folded", sa.String),
        sa.column("name_tail_folded", sa.String),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(customers.c.id, customers.c.name)
            .where(customers.c.id > last, customers.c.name.is_not(None))
            .order_by(customers.c.id)
            .limit(5000)
        ).all()
        if not rows:
            break
        bind.execute(
            customers.update()
            .where(customers.c.id == sa.bindparam("b_id"))
            .values(name_folded=sa.bindparam("b_folded"), name_tail_folded=sa.bindparam("b_tail")),
            [
                {"b_id": row.id, "b_folded": folded, "b_tail": tail}
                for row in rows
                for folded, tail in [_fold(row.name)]
            ],
        )
        last = rows[-1].id
    op.create_index("ix_customers_name_folded", "customers", ["name_folded"])
    op.create_index("ix_customers_name_tail_folded", "customers", ["name_tail_folded"])
    op.execute("DROP INDEX IF EXISTS ix_customers_name_lower")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_customers_name_lower ON customers (lower(name))")
    op.drop_index("ix_customers_name_tail_folded", table_name="customers")
    op.drop_index("ix_customers_name_folded", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("name_tail_folded")
        batch.drop_column("name_folded")
