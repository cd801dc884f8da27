"""the sales pipeline: deal sums in the KPI rollups, pipeline facts, stall limits per pipeline
and stage

Revision ID: 0013_pipeline
Revises: 0012_channel_owner
Create Date: 2026-12-07 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_pipeline'
down_revision: str | None = '0012_channel_owner'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLUP_SUMS = (
    'deals_created',
    'deals_won',
    'deals_lost',
    'close_ms',
    'closed_known',
    'effort_ms',
    'effort_known',
)


def upgrade() -> None:
    op.create_table(
        'pipeline_facts',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('deal_id', sa.String(length=128), nullable=False),
        sa.Column('pipeline', sa.String(length=128), nullable=False),
        sa.Column('stage', sa.String(length=128), nullable=False),
        sa.Column('agent', sa.String(length=128), nullable=True),
        sa.Column('team', sa.String(length=128), nullable=True),
        sa.Column('queue', sa.String(length=128), nullable=True),
        sa.Column('amount', sa.Float(), nullable=True),
        sa.Column('close_ms', sa.BigInteger(), nullable=True),
        sa.Column('effort_ms', sa.BigInteger(), nullable=True),
        sa.Column('created_ms', sa.BigInteger(), nullable=True),
        sa.Column('ms', sa.BigInteger(), nullable=False),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('fact_id', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'],
            name=op.f('fk_pipeline_facts_tenant_id_tenants'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pipeline_facts')),
    )
    with op.batch_alter_table('pipeline_facts', schema=None) as batch_op:
        batch_op.create_index('ix_pipeline_facts_time', ['tenant_id', 'ms'], unique=False)
        batch_op.create_index('uq_pipeline_facts_fact', ['tenant_id', 'fact_id'], unique=True)
    op.create_table(
        'stall_limits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('pipeline', sa.String(length=128), nullable=False),
        sa.Column('stage', sa.String(length=128), nullable=False),
        sa.Column('stall_s', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'],
            name=op.f('fk_stall_limits_tenant_id_tenants'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stall_limits')),
        sa.UniqueConstraint('tenant_id', 'pipeline', 'stage', name='uq_stall_limits_stage'),
    )
    with op.batch_alter_table('kpi_rollups', schema=None) as batch_op:
        for name in ROLLUP_SUMS:
            batch_op.add_column(
                sa.Column(name, sa.BigInteger(), nullable=False, server_default='0')
            )


def downgrade() -> None:
    with op.batch_alter_table('kpi_rollups', schema=None) as batch_op:
        for name in reversed(ROLLUP_SUMS):
            batch_op.drop_column(name)
    op.drop_table('stall_limits')
    with op.batch_alter_table('pipeline_facts', schema=None) as batch_op:
        batch_op.drop_index('uq_pipeline_facts_fact')
        batch_op.drop_index('ix_pipeline_facts_time')
    op.drop_table('pipeline_facts')
