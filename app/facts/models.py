"""Facts written by the aggregators: completed calls, agent state intervals, deals, surveys.

Times are epoch milliseconds (exactly the aggregator's times), durations seconds. Every fact
is unique by (tenant, fact_id), so replays write no duplicates.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class FactMixin:
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    fact_id: Mapped[str] = mapped_column(String(200))


class CallFactRow(FactMixin, Base):
    __tablename__ = "call_facts"
    __table_args__ = (
        Index("uq_call_facts_fact", "tenant_id", "fact_id", unique=True),
        Index("ix_call_facts_time", "tenant_id", "finished_ms"),
    )

    call_id: Mapped[str] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(128))
    agent: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    enqueued_ms: Mapped[int | None] = mapped_column(BigInteger)
    answered_ms: Mapped[int | None] = mapped_column(BigInteger)
    ended_ms: Mapped[int | None] = mapped_column(BigInteger)
    wrapup_ended_ms: Mapped[int | None] = mapped_column(BigInteger)
    finished_ms: Mapped[int] = mapped_column(BigInteger)
    wait_s: Mapped[float | None] = mapped_column(Float)
    talk_s: Mapped[float] = mapped_column(Float)
    hold_s: Mapped[float] = mapped_column(Float)
    wrapup_s: Mapped[float] = mapped_column(Float)
    transfers: Mapped[int] = mapped_column(Integer)
    short_abandon: Mapped[bool] = mapped_column(Boolean)
    within_sl: Mapped[bool] = mapped_column(Boolean)


class AgentStateFactRow(FactMixin, Base):
    __tablename__ = "agent_state_facts"
    __table_args__ = (
        Index("uq_agent_state_facts_fact", "tenant_id", "fact_id", unique=True),
        Index("ix_agent_state_facts_time", "tenant_id", "start_ms"),
        Index("ix_agent_state_facts_agent", "tenant_id", "agent", "start_ms"),
    )

    agent: Mapped[str] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(64))
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)


class DealFactRow(FactMixin, Base):
    __tablename__ = "deal_facts"
    __table_args__ = (
        Index("uq_deal_facts_fact", "tenant_id", "fact_id", unique=True),
        Index("ix_deal_facts_time", "tenant_id", "ms"),
    )

    agent: Mapped[str] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    queue: Mapped[str | None] = mapped_column(String(128))
    call_id: Mapped[str | None] = mapped_column(String(128))
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    ms: Mapped[int] = mapped_column(BigInteger)


class CsatFactRow(FactMixin, Base):
    __tablename__ = "csat_facts"
    __table_args__ = (
        Index("uq_csat_facts_fact", "tenant_id", "fact_id", unique=True),
        Index("ix_csat_facts_time", "tenant_id", "ms"),
    )

    score: Mapped[int] = mapped_column(Integer)
    agent: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    queue: Mapped[str | None] = mapped_column(String(128))
    call_id: Mapped[str | None] = mapped_column(String(128))
    ms: Mapped[int] = mapped_column(BigInteger)


class CallbackFactRow(FactMixin, Base):
    """An entry that left the call-back list. No number: the report keeps counts only."""

    __tablename__ = "callback_facts"
    __table_args__ = (
        Index("uq_callback_facts_fact", "tenant_id", "fact_id", unique=True),
        Index("ix_callback_facts_time", "tenant_id", "closed_ms"),
    )

    entry_id: Mapped[int] = mapped_column(BigInteger)
    queue: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    first_missed_ms: Mapped[int] = mapped_column(BigInteger)
    last_missed_ms: Mapped[int] = mapped_column(BigInteger)
    closed_ms: Mapped[int] = mapped_column(BigInteger)
    misses: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    callback_ms: Mapped[int | None] = mapped_column(BigInteger)


class FactPruneMark(Base):
    """Facts of the tenant older than `pruned_before_ms` were deleted (or are being), and
    are not written again (app/facts/retention.py)."""

    __tablename__ = "fact_prune_marks"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    pruned_before_ms: Mapped[int] = mapped_column(BigInteger)


class PipelineFactRow(FactMixin, Base):
    """One event of the sales pipeline as it counted (app/streams/aggregator/facts.py)."""

    __tablename__ = "pipeline_facts"
    __table_args__ = (
        Index("uq_pipeline_facts_fact", "tenant_id", "fact_id", unique=True),
        Index("ix_pipeline_facts_time", "tenant_id", "ms"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    deal_id: Mapped[str] = mapped_column(String(128))
    pipeline: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(128))
    agent: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    queue: Mapped[str | None] = mapped_column(String(128))
    amount: Mapped[float | None] = mapped_column(Float)
    close_ms: Mapped[int | None] = mapped_column(BigInteger)
    effort_ms: Mapped[int | None] = mapped_column(BigInteger)
    created_ms: Mapped[int | None] = mapped_column(BigInteger)
    ms: Mapped[int] = mapped_column(BigInteger)


class PhraseFactRow(FactMixin, Base):
    """What a transcript segment or a handled call added to the phrase metrics of one list
    (`list_name` '': the sums of no list; app/streams/aggregator/facts.py, PhraseFact)."""

    __tablename__ = "phrase_facts"
    __table_args__ = (
        Index("uq_phrase_facts_fact", "tenant_id", "fact_id", unique=True),
        Index("ix_phrase_facts_time", "tenant_id", "ms"),
    )

    call_id: Mapped[str] = mapped_column(String(128))
    list_name: Mapped[str] = mapped_column(String(40))
    queue: Mapped[str | None] = mapped_column(String(128))
    agent: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    hits: Mapped[int] = mapped_column(Integer)
    calls_with: Mapped[int] = mapped_column(Integer)
    adherent: Mapped[int] = mapped_column(Integer)
    transcribed: Mapped[int] = mapped_column(Integer)
    banned_calls: Mapped[int] = mapped_column(Integer)
    with_sentiment: Mapped[int] = mapped_column(Integer)
    negative: Mapped[int] = mapped_column(Integer)
    ms: Mapped[int] = mapped_column(BigInteger)
