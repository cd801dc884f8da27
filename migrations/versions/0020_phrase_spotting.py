"""phrase spotting: whether a tenant keeps the transcript segments of phrase hits and how long;
the calls a coaching note links

Revision ID: 0020_phrase_spotting
Revises: 0019_crm_settings
Create Date: 2026-12-07 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020_phrase_spotting'
down_revision: str | None = '0019_crm_settings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'phrase_settings',
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('keep_segments', sa.Boolean(), nullable=False),
        sa.Column('retention_days', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('tenant_id'),
    )
    with op.batch_alter_table('coaching_notes') as batch:
        batch.add_column(
            sa.Column('call_ids', sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table('coaching_notes') as batch:
        batch.drop_column('call_ids')
    op.drop_table('phrase_settings')
