from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class CoachingNoteRow(Base):
    """A coaching or mentoring session with an agent (`agent` = the id used in events) on a
    local date, written by `author`."""

    __tablename__ = "coaching_notes"
    __table_args__ = (Index("ix_coaching_notes_agent", "tenant_id", "agent", "session_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    agent: Mapped[str] = mapped_column(String(128))
    session_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    call_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Calls that show what the session is about (a banned phrase, a missed script line)."""
    call_hits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The phrase hits of the linked calls as the engine had them when the calls were linked
    (`call_id`, `at` ms, `list`, `kind`, `phrase`, `role`), so that the note keeps showing them
    after the engine's latest hits have moved on; never the segment's text."""
