"""tenants get a default country code for caller numbers (issue 16, the call-back list)

Revision ID: 0013_callbacks
Revises: 0012_channel_owner
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_callbacks"
down_revision: str | None = "0012_channel_owner"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("country_code", sa.String(length=3), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN: a batch copy would recreate `tenants` (see 0007).
    op.execute("ALTER TABLE tenants DROP COLUMN country_code")
