"""tenant language and currency

Revision ID: 0007_tenant_locale
Revises: 0006
Create Date: 2026-12-06 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_tenant_locale'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'tenants', sa.Column('language', sa.String(length=2), nullable=False, server_default='en')
    )
    op.add_column('tenants', sa.Column('currency', sa.String(length=3), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy would drop and recreate
    # `tenants`, and every row of every table that references it would go with it.
    op.execute('ALTER TABLE tenants DROP COLUMN currency')
    op.execute('ALTER TABLE tenants DROP COLUMN language')
