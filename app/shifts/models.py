from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class ShiftRow(Base):
    """A planned shift [start_ms, end_ms) of an agent (`agent` = the id used in events), with
    `break_minutes` of planned breaks that do not count as productive time.

    The `outcome_*` columns cache the evaluation of a finished shift against the agent's state
    facts; `evaluated_ms` is None when it must be (re)computed: on creation, on edit, and when
    new state facts touching the shift are written (which also bumps `revision`, so that an
    evaluation that read the facts before them is not stored)."""

    __tablename__ = "shifts"
    __table_args__ = (
        Index("uq_shifts_agent_start", "tenant_id", "agent", "start_ms", unique=True),
        Index("ix_shifts_time", "tenant_id", "start_ms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    agent: Mapped[str] = mapped_column(String(128))
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    break_minutes: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    evaluated_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    outcome_present: Mapped[bool | None] = mapped_column(Boolean, default=None)
    outcome_late_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    outcome_early_leave_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    outcome_productive_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
