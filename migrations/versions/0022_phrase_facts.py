"""phrase facts: what transcript segments and handled calls added to the phrase metrics, and
their rollups per interval, day, group and phrase list, so that KPI reports carry
`phrase_hits:LIST`, `calls_with:LIST`, `script_adherence:LIST`, `banned_calls` and
`negative_sentiment_share` (issue 20)

Revision ID: 0022_phrase_facts
Revises: 0021_celebrate_wins
Create Date: 2026-12-07 03:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_phrase_facts"
down_revision: str | None = "0021_celebrate_wins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = ('hits', 'calls_with', 'adherent', 'transcribed', 'banned_calls', 'with_sentiment',
        'negative')  # fmt: skip
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'phrase_facts',
        sa.Column('call_id', sa.String(length=128), nullable=False),
        sa.Column('list_name', sa.String(length=40), nullable=False),
        sa.Column('queue', sa.String(length=128), nullable=True),
        sa.Column('agent', sa.String(length=128), nullable=True),
        sa.Column('team', sa.String(length=128), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SUMS),
        sa.Column('ms', sa.BigInteger(), nullable=False),
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('fact_id', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'],
            name=op.f('fk_phrase_facts_tenant_id_tenants'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_phrase_facts')),
    )  # fmt: skip
    with op.batch_alter_table("phrase_facts", schema=None) as batch_op:
        batch_op.create_index("ix_phrase_facts_time", ["tenant_id", "ms"], unique=False)
        batch_op.create_index("uq_phrase_facts_fact", ["tenant_id", "fact_id"], unique=True)
    op.create_table(
        'phrase_rollups',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=1), nullable=False),
        sa.Column('ivl_ms', sa.BigInteger(), nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('team', sa.String(length=128), nullable=False),
        sa.Column('list_name', sa.String(length=40), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in SUMS),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'],
            name=op.f('fk_phrase_rollups_tenant_id_tenants'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_phrase_rollups')),
    )  # fmt: skip
    with op.batch_alter_table("phrase_rollups", schema=None) as batch_op:
        batch_op.create_index(
            "uq_phrase_rollups_key",
            ["tenant_id", "kind", "ivl_ms", "name", "team", "list_name"],
            unique=True,
        )


def downgrade() -> None:
    op.drop_table("phrase_rollups")
    op.drop_table("phrase_facts")
