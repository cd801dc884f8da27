"""The sales pipeline: deals through the stages of a pipeline (docs/metrics.md, "The sales
pipeline").

A deal is known by its `deal_id` from the first event that names it: `deal.created`, a stage
change, a win or a loss, or a call tagged with it. Counts go to the scopes of the event: the
tenant, the deal's pipeline, and the owner at that event (the event's `agent`, else the owner
the deal had) with the owner's team then. What a deal is *now* (open, its stage, its expected
value, since when it sits in its stage) is kept per deal and read by the now-metrics
(`deals_open`, `pipeline_value`, `deals_stalled`, ...) at query time.

Events about a deal never seen are applied as far as they tell something: a stage change opens
the deal in that stage (pipeline `default`, no creation known), a win or a loss counts as such
(no time to close). A late `deal.created` fills in what the deal did not know yet and counts
as a creation then. A won or lost deal stays closed: later stage changes, wins and losses of it
are ignored (repeated webhooks), and it is forgotten `closed_deal_retention_s` after its last
event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from enum import IntEnum, StrEnum
from typing import Any, Final

import msgspec

from app.events.schemas import DealCreated, DealLost, DealStageChanged, DealWon
from app.streams.aggregator.base import MICROS, TenantState
from app.streams.aggregator.facts import PipelineFact
from app.streams.aggregator.records import (
    CLOSE_MS,
    CLOSED_KNOWN,
    DEALS,
    DEALS_CREATED,
    DEALS_LOST,
    DEALS_WON,
    EFFORT_KNOWN,
    EFFORT_MS,
    REVENUE_MICROS,
    Call,
    Stats,
)


class DealStatus(IntEnum):
    """Where a deal stands (stored by value in checkpoints)."""

    OPEN = 0
    WON = 1
    LOST = 2
    UNSEEN = 3  # only calls tagged with the deal were seen so far (they carry its effort)


class DealStep(StrEnum):
    """What a pipeline event did to a deal (the pipeline fact's `kind`)."""

    CREATED = "created"
    STAGE = "stage"  # entered a stage: a move, or the opening of a deal never seen
    WON = "won"
    LOST = "lost"


OPEN: Final = DealStatus.OPEN
WON: Final = DealStatus.WON
LOST: Final = DealStatus.LOST
UNSEEN: Final = DealStatus.UNSEEN
DEFAULT_PIPELINE: Final = "default"
DAY_MS: Final = 86_400_000
OPEN_PREFIX: Final = "deals_open:"
STALLED_PREFIX: Final = "deals_stalled:"


class Deal(msgspec.Struct, gc=False, array_like=True):
    """One deal. `created` and `since` are event times as sent (creation; entering the current
    stage); `touched` is the aggregator time of its last event; money is in micro-units."""

    id: str
    status: DealStatus
    pipeline: str
    stage: str
    owner: str | None
    amount: int | None
    created: int | None
    since: int
    touched: int
    effort_ms: int = 0
    effort_calls: int = 0


def micros(amount: float | None) -> int | None:
    return None if amount is None else round(amount * MICROS)


class Deals:
    """The deals, the indexes of the open ones and the deal event handlers: one part of a
    tenant's aggregator, working on the shared `TenantState` (its scopes, the agents, the
    calls' deal tags)."""

    def __init__(self, state: TenantState) -> None:
        self.state = state
        self.tenant = state.tenant
        self.agent = state.agent
        self.pipeline_stats = state.pipeline_stats
        self.queue_stats = state.queue_stats
        self.call_context = state.call_context
        self.facts = state.facts
        self.agents = state.agents
        self.calls = state.calls
        self.call_deals = state.call_deals
        self.deals: dict[str, Deal] = {}
        self.open_deals: dict[str, Deal] = {}
        self.open_by_pipeline: dict[str, dict[str, Deal]] = {}
        self.open_by_agent: dict[str, dict[str, Deal]] = {}

    def deal_scopes(self, pipeline: str, owner: str | None, t: int) -> list[Stats]:
        scopes = [self.tenant, self.pipeline_stats(pipeline)]
        if owner is not None:
            scopes.extend(self.agent(owner, t).stats)
        return scopes

    def fact(
        self,
        event_id: str,
        kind: DealStep,
        deal: Deal,
        owner: str | None,
        t: int,
        queue: str | None = None,
        close_ms: int | None = None,
        effort_ms: int | None = None,
    ) -> None:
        team = self.agent(owner, t).team if owner is not None else None
        amount = None if deal.amount is None else deal.amount / MICROS
        self.facts.append(
            PipelineFact(
                f"pipeline:{event_id}",
                kind.value,
                deal.id,
                deal.pipeline,
                deal.stage,
                owner,
                team,
                queue,
                amount,
                close_ms,
                effort_ms,
                deal.created,
                t,
            )
        )

    def count(self, deal: Deal, owner: str | None, t: int, delta: int) -> None:
        for stats in self.deal_scopes(deal.pipeline, owner, t):
            stats.add_pipeline(t, delta)

    def index(self, deal: Deal) -> None:
        self.pipeline_stats(deal.pipeline)
        self.open_deals[deal.id] = deal
        by_pipeline = self.open_by_pipeline.setdefault(deal.pipeline, {})
        by_pipeline[deal.id] = deal
        if deal.owner is not None:
            self.open_by_agent.setdefault(deal.owner, {})[deal.id] = deal

    def unindex(self, deal: Deal) -> None:
        del self.open_deals[deal.id]
        by_pipeline = self.open_by_pipeline[deal.pipeline]
        del by_pipeline[deal.id]
        if not by_pipeline:
            del self.open_by_pipeline[deal.pipeline]
        if deal.owner is not None:
            mine = self.open_by_agent[deal.owner]
            del mine[deal.id]
            if not mine:
                del self.open_by_agent[deal.owner]

    def reindex(self) -> None:
        """The indexes from the deals (after a load)."""
        self.open_deals.clear()
        self.open_by_pipeline.clear()
        self.open_by_agent.clear()
        for deal in self.deals.values():
            if deal.status == OPEN:
                self.index(deal)

    # ------------------------------------------------------------------ events

    def lookup_deal(self, deal_id: str, t: int) -> Deal | None:
        """The deal, unless unknown or forgotten: a deal that is not open is forgotten
        `closed_deal_retention_s` after its last event (at once here; `forget_deals` frees
        the memory at the next day)."""
        deal = self.deals.get(deal_id)
        if (
            deal is not None
            and deal.status != OPEN
            and t - deal.touched >= self.state.config.closed_deal_retention_s * 1000
        ):
            del self.deals[deal_id]
            return None
        return deal

    def on_deal_created(self, ev: DealCreated, t: int) -> None:
        ms = ev.ts
        deal = self.lookup_deal(ev.deal_id, t)
        if deal is None or deal.status == UNSEEN:
            if deal is None:
                deal = self.deals[ev.deal_id] = Deal(
                    ev.deal_id, OPEN, ev.pipeline, ev.stage, ev.agent, None, ms, ms, t
                )
            deal.status, deal.pipeline, deal.stage = OPEN, ev.pipeline, ev.stage
            deal.owner, deal.amount = ev.agent, micros(ev.amount)
            deal.created, deal.since, deal.touched = ms, ms, t
            self.index(deal)
            self.count(deal, ev.agent, t, DEALS_CREATED)
            self.fact(ev.id, DealStep.CREATED, deal, ev.agent, t)
            return
        deal.touched = t
        if deal.created is not None:
            return
        deal.created = ms
        is_open = deal.status == OPEN
        if is_open:
            self.unindex(deal)
        deal.pipeline = ev.pipeline
        if deal.amount is None:
            deal.amount = micros(ev.amount)
        if deal.owner is None:
            deal.owner = ev.agent
        if is_open:
            self.index(deal)
        owner = ev.agent if ev.agent is not None else deal.owner
        self.count(deal, owner, t, DEALS_CREATED)
        self.fact(ev.id, DealStep.CREATED, deal, owner, t)

    def on_deal_stage_changed(self, ev: DealStageChanged, t: int) -> None:
        ms = ev.ts
        deal = self.lookup_deal(ev.deal_id, t)
        if deal is None or deal.status == UNSEEN:
            if deal is None:
                deal = self.deals[ev.deal_id] = Deal(
                    ev.deal_id, OPEN, DEFAULT_PIPELINE, ev.stage, ev.agent, None, None, ms, t
                )
            deal.status, deal.stage, deal.owner, deal.since, deal.touched = (
                OPEN, ev.stage, ev.agent, ms, t,
            )  # fmt: skip
            if ev.agent is not None:
                self.agent(ev.agent, t)
            self.index(deal)
            self.fact(ev.id, DealStep.STAGE, deal, ev.agent, t)
            return
        deal.touched = t
        if deal.status != OPEN:
            return
        if ev.agent is not None and ev.agent != deal.owner:
            self.unindex(deal)
            deal.owner = ev.agent
            self.agent(ev.agent, t)
            self.index(deal)
        if ev.stage != deal.stage:
            deal.stage = ev.stage
            deal.since = ms
            self.fact(ev.id, DealStep.STAGE, deal, deal.owner, t)

    def close(self, deal_id: str, agent: str | None, t: int, status: DealStatus) -> Deal | None:
        """The deal as it closes now (None: it was closed already); unknown deals are opened
        in the default pipeline first, with no creation."""
        deal = self.lookup_deal(deal_id, t)
        if deal is None:
            deal = self.deals[deal_id] = Deal(
                deal_id, status, DEFAULT_PIPELINE, "", agent, None, None, 0, t
            )
        elif deal.status == OPEN:
            self.unindex(deal)
        elif deal.status == UNSEEN:
            deal.pipeline = DEFAULT_PIPELINE
        else:
            deal.touched = t
            return None
        deal.status = status
        deal.touched = t
        if agent is not None:
            deal.owner = agent
        return deal

    def on_deal_won(self, ev: DealWon, t: int) -> None:
        deal = self.close(ev.deal_id, ev.agent, t, WON)
        if deal is None:
            return
        delta = DEALS_WON
        close_ms = effort_ms = None
        if deal.created is not None:
            close_ms = max(0, ev.ts - deal.created)
            delta |= CLOSED_KNOWN | close_ms * CLOSE_MS
        if deal.effort_calls:
            effort_ms = deal.effort_ms
            delta |= EFFORT_KNOWN | effort_ms * EFFORT_MS
        amount = micros(ev.amount)
        if amount is None:
            amount = deal.amount or 0
        deal.amount = amount
        scopes = self.deal_scopes(deal.pipeline, deal.owner, t)
        for stats in scopes:
            stats.add_pipeline(t, delta)
            stats.add_other(t, DEALS | amount * REVENUE_MICROS)
        queue, _ = self.call_context(ev.call_id, t)
        if queue is not None:
            self.queue_stats(queue).add_other(t, DEALS | amount * REVENUE_MICROS)
        self.fact(ev.id, DealStep.WON, deal, deal.owner, t, queue, close_ms, effort_ms)

    def on_deal_lost(self, ev: DealLost, t: int) -> None:
        deal = self.close(ev.deal_id, ev.agent, t, LOST)
        if deal is not None:
            self.count(deal, deal.owner, t, DEALS_LOST)
            self.fact(ev.id, DealStep.LOST, deal, deal.owner, t)

    # ------------------------------------------------------------------ calls of deals

    def tagging(self, handler: Callable[[Any, int], None]) -> Callable[[Any, int], None]:
        """A call event handler that notes the call's deal, if the event names one: the tag
        holds while the call is live (a call that the event finishes counts for it at once)."""

        def tagged(ev: Any, t: int) -> None:
            if ev.deal_id is None:
                handler(ev, t)
                return
            self.call_deals[ev.call_id] = ev.deal_id
            handler(ev, t)
            if ev.call_id not in self.calls:
                self.call_deals.pop(ev.call_id, None)

        return tagged

    def call_effort(self, call: Call, t: int, handle_ms: int) -> None:
        """A handled call is done: its handle time counts towards its deal's effort (while
        the deal is not closed)."""
        deal_id = self.call_deals.pop(call.id, None)
        if deal_id is None:
            return
        deal = self.lookup_deal(deal_id, t)
        if deal is None:
            deal = self.deals[deal_id] = Deal(
                deal_id, UNSEEN, DEFAULT_PIPELINE, "", None, None, None, 0, t
            )
        if deal.status == OPEN or deal.status == UNSEEN:
            deal.effort_ms += handle_ms
            deal.effort_calls += 1
            deal.touched = t

    def untag(self, call: Call) -> None:
        self.call_deals.pop(call.id, None)

    # ------------------------------------------------------------------ time

    def forget_deals(self, x: int) -> None:
        """At a new day: forget deals closed (or never more than tagged calls) long ago."""
        keep_ms = self.state.config.closed_deal_retention_s * 1000
        old = [d.id for d in self.deals.values() if d.status != OPEN and x - d.touched >= keep_ms]
        for deal_id in old:
            del self.deals[deal_id]

    # ------------------------------------------------------------------ now

    def open_in(self, kind: str, name: str | None) -> Iterator[Deal]:
        """The open deals of a scope (a team's: those of its agents now)."""
        if kind == "tenant":
            yield from self.open_deals.values()
        elif kind == "pipeline":
            yield from self.open_by_pipeline.get(name or "", {}).values()
        elif kind == "agent":
            yield from self.open_by_agent.get(name or "", {}).values()
        elif kind == "team":
            for agent_id, deals in self.open_by_agent.items():
                ag = self.agents.get(agent_id)
                if ag is not None and ag.team == name:
                    yield from deals.values()

    def deal_gauges(self, deals: Iterable[Deal], q: int) -> dict[str, float | int | None]:
        """deals_open, pipeline_value, deals_stalled, then per stage (non-zero only, by
        name) `deals_open:STAGE` and `deals_stalled:STAGE`."""
        limit_s = self.state.config.stall_limit_s
        limits: dict[tuple[str, str], float] = {}
        n = value = stalled = 0
        by_stage: dict[str, int] = {}
        stalled_by_stage: dict[str, int] = {}
        for deal in deals:
            n += 1
            value += deal.amount or 0
            stage = deal.stage
            by_stage[stage] = by_stage.get(stage, 0) + 1
            key = (deal.pipeline, stage)
            limit = limits.get(key)
            if limit is None:
                limit = limits[key] = limit_s(*key) * 1000
            if q - deal.since > limit:
                stalled += 1
                stalled_by_stage[stage] = stalled_by_stage.get(stage, 0) + 1
        out: dict[str, float | int | None] = {
            "deals_open": n,
            "pipeline_value": value / MICROS,
            "deals_stalled": stalled,
        }
        for stage in sorted(by_stage):
            out[OPEN_PREFIX + stage] = by_stage[stage]
        for stage in sorted(stalled_by_stage):
            out[STALLED_PREFIX + stage] = stalled_by_stage[stage]
        return out
