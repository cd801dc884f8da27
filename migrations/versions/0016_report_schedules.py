"""report_schedules: KPI reports e-mailed daily or weekly

Revision ID: 0016_report_schedules
Revises: 0015_floor_messages
Create Date: 2026-12-07 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_report_schedules'
down_revision: str | None = '0015_floor_messages'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'report_schedules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('frequency', sa.String(length=8), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=True),
        sa.Column('hour', sa.Integer(), nullable=False),
        sa.Column('group_by', sa.String(length=8), nullable=False),
        sa.Column('recipients', sa.JSON(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('last_period', sa.String(length=16), nullable=True),
        sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('claimed_by', sa.String(length=64), nullable=True),
        sa.Column('claimed_until_ms', sa.BigInteger(), nullable=True),
        sa.Column('created_by', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['channel_id'], ['alert_channels.id'],
            name=op.f('fk_report_schedules_channel_id_alert_channels'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['team_id'], ['teams.id'], name=op.f('fk_report_schedules_team_id_teams'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'], name=op.f('fk_report_schedules_tenant_id_tenants'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_schedules')),
    )
    op.create_index(
        op.f('ix_report_schedules_tenant_id'), 'report_schedules', ['tenant_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_report_schedules_tenant_id'), table_name='report_schedules')
    op.drop_table('report_schedules')
