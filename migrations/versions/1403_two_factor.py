"""Two-factor sign-in for agents: TOTP secret and recovery codes (hashed).

Revision ID: 1403
Revises: 1402
"""

import sqlalchemy as sa
from alembic import op

revision = "1403"
down_revision = "1402"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.create_table(
        "agent_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_recovery_codes_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_recovery_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_agent_recovery_codes_code_hash")),
    )
    with op.batch_alter_table("agent_recovery_codes") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agent_recovery_codes_agent_id"), ["agent_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("agent_recovery_codes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_recovery_codes_agent_id"))
    op.drop_table("agent_recovery_codes")
    with op.batch_alter_table("agents") as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
