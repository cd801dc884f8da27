"""phrase alerts: an alert raised by one event (a banned phrase said on a call) with the event's
key (unique per tenant), what was said (list, phrase, call, agent, queue), and the segment's
text in its own table, deleted with the segment retention; the phrase hits of the calls a
coaching note links (without text)

Revision ID: 0023_phrase_alerts
Revises: 0022_phrase_facts
Create Date: 2026-12-07 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_phrase_alerts"
down_revision: str | None = "0022_phrase_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("event_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("detail", sa.JSON(), nullable=True))
        batch.create_index("uq_alerts_event_key", ["tenant_id", "event_key"], unique=True)
    op.create_table(
        "alert_segments",
        sa.Column("alert_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alert_id"),
    )
    op.create_index("ix_alert_segments_expires_ms", "alert_segments", ["expires_ms"])
    with op.batch_alter_table("coaching_notes") as batch:
        batch.add_column(
            sa.Column("call_hits", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("coaching_notes") as batch:
        batch.drop_column("call_hits")
    op.drop_index("ix_alert_segments_expires_ms", table_name="alert_segments")
    op.drop_table("alert_segments")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("uq_alerts_event_key")
        batch.drop_column("detail")
        batch.drop_column("event_key")
