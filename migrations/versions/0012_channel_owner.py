"""alert channels get an owner: the tenant (admins) or one team (its leads)

Existing channels become tenant-wide, so only admins manage them until an admin moves them
to a team (issue 18, item 2).

Revision ID: 0012_channel_owner
Revises: 0011_wrapup_limit
Create Date: 2026-12-06 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_channel_owner"
down_revision: str | None = "0011_wrapup_limit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_alert_channels_team_id"), ["team_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_alert_channels_team_id_teams"),
            "teams",
            ["team_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_channels", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_channels_team_id_teams"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_alert_channels_team_id"))
        batch_op.drop_column("team_id")
