"""dashboards: the rotation a wall cycles through (`rotation`, JSON)

Revision ID: 0014_dashboard_rotation
Revises: 0013_queue_sl_target
Create Date: 2026-12-07 00:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_dashboard_rotation'
down_revision: str | None = '0013_queue_sl_target'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('dashboards', sa.Column('rotation', sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as in 0007.
    op.execute('ALTER TABLE dashboards DROP COLUMN rotation')
