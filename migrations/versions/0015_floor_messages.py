"""floor_messages: messages to the walls of one dashboard or of the whole tenant

Revision ID: 0015_floor_messages
Revises: 0014_dashboard_rotation
Create Date: 2026-12-07 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_floor_messages'
down_revision: str | None = '0014_dashboard_rotation'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'floor_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('dashboard_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.String(length=280), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['dashboard_id'], ['dashboards.id'],
            name=op.f('fk_floor_messages_dashboard_id_dashboards'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'],
            name=op.f('fk_floor_messages_tenant_id_tenants'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_floor_messages')),
    )
    op.create_index(
        op.f('ix_floor_messages_dashboard_id'), 'floor_messages', ['dashboard_id'], unique=False
    )
    op.create_index(
        op.f('ix_floor_messages_tenant_id'), 'floor_messages', ['tenant_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_floor_messages_tenant_id'), table_name='floor_messages')
    op.drop_index(op.f('ix_floor_messages_dashboard_id'), table_name='floor_messages')
    op.drop_table('floor_messages')
