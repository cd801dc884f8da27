from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class FloorMessage(Base):
    """A message on the walls: of one dashboard (`dashboard_id`; deleted with it) or of every
    dashboard of the tenant (None), until `expires_at` (None: until it is taken down)."""

    __tablename__ = "floor_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    dashboard_id: Mapped[int | None] = mapped_column(
        ForeignKey("dashboards.id", ondelete="CASCADE"), default=None, index=True
    )
    text: Mapped[str] = mapped_column(String(280))
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
