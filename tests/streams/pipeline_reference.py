"""A plain reference of the sales pipeline (docs/metrics.md, "The sales pipeline"), used by the
call reference (tests/streams/reference.py) for the deal events.

Each deal is a small record rewritten by its events; every count is a raw record with its
aggregator time and its scopes; a window filters the records, and the now-metrics filter every
deal the reference knows. No indexes, no ledgers, no pruning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.events.schemas import DealCreated, DealLost, DealStageChanged, DealWon
from app.streams.aggregator.config import TenantConfig
from app.streams.aggregator.facts import Fact, PipelineFact

Metrics = dict[str, float | int | None]
SUMS = (
    "deals_created",
    "deals_won",
    "deals_lost",
    "close_ms",
    "closed_known",
    "effort_ms",
    "effort_known",
)


class Recorder(Protocol):
    """What the pipeline reference needs of the call reference."""

    facts: list[Fact]

    def record(self, t: int, scopes: tuple[str, ...], kind: str, **values: int) -> None: ...
    def note_agent(self, agent: str, t: int) -> None: ...
    def team(self, agent: str) -> str | None: ...
    def context(self, cid: str | None, t: int) -> tuple[str | None, str | None]: ...


@dataclass
class RDeal:
    status: str  # open | won | lost | unseen
    pipeline: str = "default"
    stage: str = ""
    owner: str | None = None
    expected: int | None = None  # micro-units
    created: int | None = None
    entered_stage: int = 0
    last_event: int = 0
    effort: int = 0
    calls: int = 0


def to_micros(amount: float | None) -> int | None:
    return None if amount is None else round(amount * 1_000_000)


class PipelineReference:
    def __init__(self, config: TenantConfig, calls: Recorder) -> None:
        self.config = config
        self.calls = calls
        self.deals: dict[str, RDeal] = {}
        self.tags: dict[str, str] = {}
        self.pipelines_seen: set[str] = set()

    def scopes(self, pipeline: str, owner: str | None) -> tuple[str, ...]:
        self.pipelines_seen.add(pipeline)
        out = ["tenant", f"pipeline:{pipeline}"]
        if owner is not None:
            out.append(f"agent:{owner}")
            team = self.calls.team(owner)
            if team is not None:
                out.append(f"team:{team}")
        return tuple(out)

    def find(self, deal_id: str, t: int) -> RDeal | None:
        deal = self.deals.get(deal_id)
        if deal is None:
            return None
        keep = self.config.closed_deal_retention_s * 1000
        if deal.status != "open" and t - deal.last_event >= keep:
            del self.deals[deal_id]
            return None
        return deal

    def fact(
        self,
        event_id: str,
        kind: str,
        deal_id: str,
        deal: RDeal,
        owner: str | None,
        t: int,
        **extra: object,
    ) -> None:
        values: dict[str, object] = {
            "fact_id": f"pipeline:{event_id}",
            "kind": kind,
            "deal_id": deal_id,
            "pipeline": deal.pipeline,
            "stage": deal.stage,
            "agent": owner,
            "team": self.calls.team(owner) if owner is not None else None,
            "queue": None,
            "amount": None if deal.expected is None else deal.expected / 1_000_000,
            "close_ms": None,
            "effort_ms": None,
            "created_ms": deal.created,
            "ms": t,
        }
        values.update(extra)
        self.calls.facts.append(PipelineFact(**values))  # type: ignore[arg-type]

    def owner_seen(self, owner: str | None, t: int) -> None:
        if owner is not None:
            self.calls.note_agent(owner, t)

    # ------------------------------------------------------------- events

    def created(self, ev: DealCreated, t: int) -> None:
        deal = self.find(ev.deal_id, t)
        if deal is None or deal.status == "unseen":
            fresh = RDeal("open", ev.pipeline, ev.stage, ev.agent, to_micros(ev.amount), ev.ms)
            fresh.entered_stage, fresh.last_event = ev.ms, t
            if deal is not None:
                fresh.effort, fresh.calls = deal.effort, deal.calls
            self.deals[ev.deal_id] = fresh
            self.pipelines_seen.add(ev.pipeline)
            self.owner_seen(ev.agent, t)
            self.calls.record(t, self.scopes(ev.pipeline, ev.agent), "pipeline", deals_created=1)
            self.fact(ev.id, "created", ev.deal_id, fresh, ev.agent, t)
            return
        deal.last_event = t
        if deal.created is not None:
            return
        deal.created = ev.ms
        deal.pipeline = ev.pipeline
        self.pipelines_seen.add(ev.pipeline)
        deal.expected = deal.expected if deal.expected is not None else to_micros(ev.amount)
        deal.owner = deal.owner if deal.owner is not None else ev.agent
        counted_for = ev.agent if ev.agent is not None else deal.owner
        self.owner_seen(counted_for, t)
        self.calls.record(t, self.scopes(deal.pipeline, counted_for), "pipeline", deals_created=1)
        self.fact(ev.id, "created", ev.deal_id, deal, counted_for, t)

    def stage_changed(self, ev: DealStageChanged, t: int) -> None:
        deal = self.find(ev.deal_id, t)
        if deal is None or deal.status == "unseen":
            fresh = RDeal("open", "default", ev.stage, ev.agent, None, None, ev.ms, t)
            if deal is not None:
                fresh.effort, fresh.calls = deal.effort, deal.calls
            self.deals[ev.deal_id] = fresh
            self.pipelines_seen.add("default")
            self.owner_seen(ev.agent, t)
            self.fact(ev.id, "stage", ev.deal_id, fresh, ev.agent, t)
            return
        deal.last_event = t
        if deal.status != "open":
            return
        if ev.agent is not None:
            deal.owner = ev.agent
            self.owner_seen(ev.agent, t)
        if ev.stage != deal.stage:
            deal.stage, deal.entered_stage = ev.stage, ev.ms
            self.fact(ev.id, "stage", ev.deal_id, deal, deal.owner, t)

    def closing(self, deal_id: str, agent: str | None, t: int, status: str) -> RDeal | None:
        deal = self.find(deal_id, t)
        if deal is not None and deal.status in ("won", "lost"):
            deal.last_event = t
            return None
        if deal is None:
            deal = self.deals[deal_id] = RDeal(status)
        if deal.status == "unseen":
            deal.pipeline = "default"
        deal.status, deal.last_event = status, t
        if agent is not None:
            deal.owner = agent
        return deal

    def won(self, ev: DealWon, t: int) -> None:
        deal = self.closing(ev.deal_id, ev.agent, t, "won")
        if deal is None:
            return
        amount = to_micros(ev.amount)
        if amount is None:
            amount = deal.expected or 0
        deal.expected = amount
        values = {"deals_won": 1}
        extra: dict[str, object] = {}
        if deal.created is not None:
            values.update(close_ms=max(0, ev.ms - deal.created), closed_known=1)
            extra["close_ms"] = values["close_ms"]
        if deal.calls:
            values.update(effort_ms=deal.effort, effort_known=1)
            extra["effort_ms"] = deal.effort
        self.owner_seen(deal.owner, t)
        scopes = self.scopes(deal.pipeline, deal.owner)
        self.calls.record(t, scopes, "pipeline", **values)
        queue, _ = self.calls.context(ev.call_id, t)
        if queue is not None:
            scopes = (*scopes, f"queue:{queue}")
        self.calls.record(t, scopes, "deal", micros=amount)
        self.fact(ev.id, "won", ev.deal_id, deal, deal.owner, t, queue=queue, **extra)

    def lost(self, ev: DealLost, t: int) -> None:
        deal = self.closing(ev.deal_id, ev.agent, t, "lost")
        if deal is None:
            return
        self.owner_seen(deal.owner, t)
        self.calls.record(t, self.scopes(deal.pipeline, deal.owner), "pipeline", deals_lost=1)
        self.fact(ev.id, "lost", ev.deal_id, deal, deal.owner, t)

    # ------------------------------------------------------------- calls

    def tag(self, call_id: str, deal_id: str) -> None:
        self.tags[call_id] = deal_id

    def untag(self, call_id: str) -> None:
        self.tags.pop(call_id, None)

    def handled(self, call_id: str, handle_ms: int, t: int) -> None:
        deal_id = self.tags.pop(call_id, None)
        if deal_id is None:
            return
        deal = self.find(deal_id, t)
        if deal is None:
            deal = self.deals[deal_id] = RDeal("unseen")
        if deal.status in ("open", "unseen"):
            deal.effort += handle_ms
            deal.calls += 1
            deal.last_event = t

    # ------------------------------------------------------------- queries

    def in_scope(self, scope: str, deal: RDeal) -> bool:
        if scope == "tenant":
            return True
        kind, _, name = scope.partition(":")
        if kind == "pipeline":
            return deal.pipeline == name
        if kind == "agent":
            return deal.owner == name
        if kind == "team":
            return deal.owner is not None and self.calls.team(deal.owner) == name
        return False

    def gauges(self, scope: str, q: int) -> Metrics:
        open_deals = [
            d for d in self.deals.values() if d.status == "open" and self.in_scope(scope, d)
        ]
        stalled = [
            d
            for d in open_deals
            if q - d.entered_stage > self.config.stall_limit_s(d.pipeline, d.stage) * 1000
        ]
        out: Metrics = {
            "deals_open": len(open_deals),
            "pipeline_value": sum(d.expected or 0 for d in open_deals) / 1_000_000,
            "deals_stalled": len(stalled),
        }
        for stage in sorted({d.stage for d in open_deals}):
            out[f"deals_open:{stage}"] = sum(1 for d in open_deals if d.stage == stage)
        for stage in sorted({d.stage for d in stalled}):
            out[f"deals_stalled:{stage}"] = sum(1 for d in stalled if d.stage == stage)
        return out
