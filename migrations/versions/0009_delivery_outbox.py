"""alert deliveries as an outbox

Revision ID: 0009_delivery_outbox
Revises: 0008_phrase_lists
Create Date: 2026-12-06 20:20:00

Deliveries that were still `queued` or `delivering` lived only in the memory of a process
that has since stopped; they are closed as `failed` rather than sent late.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_delivery_outbox"
down_revision: str | None = "0008_phrase_lists"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger()


def upgrade() -> None:
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_ms", BIG, nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("first_attempt_ms", BIG, nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("claimed_until_ms", BIG, nullable=True))
        batch_op.create_index(
            "ix_alert_deliveries_status_due", ["status", "next_attempt_ms"], unique=False
        )
    op.execute(
        "UPDATE alert_deliveries SET status = 'failed', "
        "last_error = 'not sent: queued in the memory of a process that stopped "
        "(before deliveries were kept in the database)' "
        "WHERE status IN ('queued', 'delivering')"
    )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy would drop and recreate
    # `alert_deliveries`, and its attempts (ON DELETE CASCADE) would go with it.
    op.drop_index("ix_alert_deliveries_status_due", table_name="alert_deliveries")
    for column in ("claimed_until_ms", "claimed_by", "first_attempt_ms", "next_attempt_ms", "payload"):
        op.execute(f"ALTER TABLE alert_deliveries DROP COLUMN {column}")
