"""Server-side agent sessions (revocable: logout, deactivation, new password, admin).

Revision ID: 1402
Revises: 1401
"""

import sqlalchemy as sa
from alembic import op

revision = "1402"
down_revision = "1401"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_sessions_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agent_sessions_token_hash")),
    )
    with op.batch_alter_table("agent_sessions") as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_sessions_agent_id"), ["agent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agent_sessions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_sessions_agent_id"))
    op.drop_table("agent_sessions")
