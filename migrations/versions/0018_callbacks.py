"""the call-back list (issue 16): tenants get a default country code for caller numbers, and
entries that left the list are kept as facts (without their number) for the call-back report

Revision ID: 0018_callbacks
Revises: 0017_pipeline
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_callbacks"
down_revision: str | None = "0017_pipeline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("country_code", sa.String(length=3), nullable=True))
    op.create_table(
        "callback_facts",
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("queue", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_missed_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_missed_ms", sa.BigInteger(), nullable=False),
        sa.Column("closed_ms", sa.BigInteger(), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("callback_ms", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("fact_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_callback_facts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_facts")),
    )
    with op.batch_alter_table("callback_facts", schema=None) as batch_op:
        batch_op.create_index("ix_callback_facts_time", ["tenant_id", "closed_ms"], unique=False)
        batch_op.create_index("uq_callback_facts_fact", ["tenant_id", "fact_id"], unique=True)


def downgrade() -> None:
    op.drop_table("callback_facts")
    # Plain ALTER TABLE ... DROP COLUMN: a batch copy would recreate `tenants` (see 0007).
    op.execute("ALTER TABLE tenants DROP COLUMN country_code")
