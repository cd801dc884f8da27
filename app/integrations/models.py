"""A tenant's settings for one CRM: the names of its stage, owner and pipeline ids, which of its
stages win or lose a deal, and (HubSpot) the app's client secret the webhook signature is
checked with, sealed at rest like alert channel secrets (app/core/sealing.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class CrmSettingsRow(Base):
    __tablename__ = "crm_settings"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    crm: Mapped[str] = mapped_column(String(16), primary_key=True)
    client_secret: Mapped[str | None] = mapped_column(String(1024), default=None)
    stages: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    won_stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    lost_stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    owners: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    pipelines: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
