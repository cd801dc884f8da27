from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class Dashboard(Base):
    """A named grid of widgets. `team_id` None: shared with the whole tenant; otherwise
    shared with that team's people (and admins); deleting the team deletes its dashboards,
    so a team's board never widens to the whole tenant. `widgets` is the validated list of
    `app.dashboards.schemas.Widget` as JSON. `version` is bumped by every write, and a write
    names the version it read (optimistic concurrency between two editors)."""

    __tablename__ = "dashboards"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), default=None, index=True
    )
    widgets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    rotation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    celebrate_wins: Mapped[bool] = mapped_column(default=False, server_default=false())
    """`app.dashboards.schemas.Rotation` as JSON: the dashboards a wall cycles through."""
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)
    updated_by: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
