from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class StallLimitRow(Base):
    """How long an open deal may sit in `stage` of `pipeline` without a stage change before it
    counts as stalled (`deals_stalled`). Stages without a row use the default (7 days)."""

    __tablename__ = "stall_limits"
    __table_args__ = (
        UniqueConstraint("tenant_id", "pipeline", "stage", name="uq_stall_limits_stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    pipeline: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(128))
    stall_s: Mapped[float] = mapped_column(Float)
