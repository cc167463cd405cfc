"""WebAuthn security keys and passkeys as agents' second factor.

Revision ID: 1404
Revises: 1403
"""

import sqlalchemy as sa
from alembic import op

revision = "1404"
down_revision = "1403"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=512), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_passkeys_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_agent_passkeys_credential_id")),
    )
    with op.batch_alter_table("agent_passkeys") as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_passkeys_agent_id"), ["agent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agent_passkeys") as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_passkeys_agent_id"))
    op.drop_table("agent_passkeys")
