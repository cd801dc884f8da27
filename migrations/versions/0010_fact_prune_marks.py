"""fact retention: per-tenant prune marks

Revision ID: 0010_fact_prune_marks
Revises: 0009_delivery_outbox
Create Date: 2026-12-06 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_fact_prune_marks'
down_revision: str | None = '0009_delivery_outbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'fact_prune_marks',
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('pruned_before_ms', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ['tenant_id'],
            ['tenants.id'],
            name=op.f('fk_fact_prune_marks_tenant_id_tenants'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_fact_prune_marks')),
    )


def downgrade() -> None:
    op.drop_table('fact_prune_marks')
