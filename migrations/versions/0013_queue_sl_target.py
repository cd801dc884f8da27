"""queues: a service-level target per queue (`sl_target`, 0.8 = "80 % within the threshold")

Revision ID: 0013_queue_sl_target
Revises: 0012_channel_owner
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_queue_sl_target'
down_revision: str | None = '0012_channel_owner'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'queues', sa.Column('sl_target', sa.Double(), nullable=False, server_default='0.8')
    )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as in 0007.
    op.execute('ALTER TABLE queues DROP COLUMN sl_target')
