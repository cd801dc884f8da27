"""crm settings: a tenant's names for a CRM's stage, owner and pipeline ids, and its HubSpot
client secret (issue 15, CRM webhooks)

Revision ID: 0019_crm_settings
Revises: 0018_callbacks
Create Date: 2026-12-07 00:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_crm_settings"
down_revision: str | None = "0018_callbacks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crm_settings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("crm", sa.String(length=16), nullable=False),
        sa.Column("client_secret", sa.String(length=1024), nullable=True),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("won_stages", sa.JSON(), nullable=False),
        sa.Column("lost_stages", sa.JSON(), nullable=False),
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("pipelines", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_crm_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "crm", name=op.f("pk_crm_settings")),
    )


def downgrade() -> None:
    op.drop_table("crm_settings")
