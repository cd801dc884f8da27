"""celebrate wins: a dashboard's setting to show each deal won on its wall for a few seconds
(issue 15, deal-won celebration)

Revision ID: 0021_celebrate_wins
Revises: 0020_phrase_spotting
Create Date: 2026-12-07 01:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_celebrate_wins"
down_revision: str | None = "0020_phrase_spotting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dashboards") as batch:
        batch.add_column(
            sa.Column("celebrate_wins", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("dashboards") as batch:
        batch.drop_column("celebrate_wins")
