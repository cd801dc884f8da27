from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class PhraseListRow(Base):
    """A tenant's list of phrases to spot in transcripts: `kind` is `required` (the agent should
    say each), `banned` (must not be said) or `signal` (counted); `role` is the participant whose
    words are searched (`agent`, `customer`, `any`); `within_s` limits a required phrase to the
    first seconds of the call."""

    __tablename__ = "phrase_lists"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_phrase_lists_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    phrases: Mapped[list[str]] = mapped_column(JSON)
    within_s: Mapped[int | None] = mapped_column(Integer, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PhraseSettingsRow(Base):
    """Whether a tenant keeps the transcript segment of each phrase hit (default: no, only the
    match), and for how many days."""

    __tablename__ = "phrase_settings"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    keep_segments: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_days: Mapped[int] = mapped_column(Integer, default=7)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
