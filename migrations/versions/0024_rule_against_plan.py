"""alert rules against the day's plan: `against_plan` compares a metric's `today` figure with
the plan in force today for the alert's scope, as a share of it

Revision ID: 0024_rule_against_plan
Revises: 0023_phrase_alerts
Create Date: 2026-12-07 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_rule_against_plan"
down_revision: str | None = "0023_phrase_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_rules") as batch:
        batch.add_column(
            sa.Column("against_plan", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_rules") as batch:
        batch.drop_column("against_plan")
