"""The funnel of a sales pipeline over a period, from the pipeline facts (docs/reports.md).

For each step (a stage, or `won`): the deals that entered it in the period, counted two ways as
HubSpot's funnel reports do:

- **in order** ("deals that have gone through all stages"): deals created in the period that
  entered every step up to this one in the funnel's order (other stages in between allowed,
  a skipped step ends the deal's way down the funnel);
- **any path** ("deals that have gone through any stages"): deals that entered the step in
  the period, whatever they did before.

Next-step conversion is `entered step k+1 / entered step k`; cumulative conversion is
`entered step k / deals created in the period`. A deal enters its first stage when it is
created and each later one with a stage change; `won` is entered when it is won.

A team's funnel counts the facts of deals owned by the team's agents at the time of each fact
(a deal handed to another team leaves this team's funnel from then on).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.facts.models import PipelineFactRow
from app.registry.metrics import ratio

WON: Final = "won"


@dataclass(frozen=True, slots=True)
class FunnelStep:
    stage: str
    in_order: int
    any_path: int
    in_order_next: float | None
    in_order_cumulative: float | None
    any_path_next: float | None
    any_path_cumulative: float | None


@dataclass(frozen=True, slots=True)
class Funnel:
    pipeline: str
    created: int
    steps: list[FunnelStep]


def by_time(path: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A deal's (ms, stage) entries by time; equal times keep the order they were counted in."""
    return sorted(path, key=lambda entry: entry[0])


def is_subsequence(steps: Sequence[str], path: Sequence[str]) -> bool:
    it = iter(path)
    return all(step in it for step in steps)


def build_funnel(
    pipeline: str,
    facts: Sequence[tuple[str, str, str, int]],
    stages: Sequence[str] | None = None,
) -> Funnel:
    """`facts`: (kind, deal id, stage, ms) of the pipeline in the period, in the order they
    were counted where their times are equal (facts of one batch share the aggregator's time)."""
    created: set[str] = set()
    paths: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for kind, deal, stage, ms in facts:
        if kind == "created":
            created.add(deal)
            paths[deal].append((ms, stage))
        elif kind == "stage":
            paths[deal].append((ms, stage))
        elif kind == WON:
            paths[deal].append((ms, WON))
    ordered = {deal: [stage for _, stage in by_time(path)] for deal, path in paths.items()}
    entered: Counter[str] = Counter()
    for path in ordered.values():
        entered.update(set(path))
    if stages is None:
        found = sorted((s for s in entered if s != WON), key=lambda s: (-entered[s], s))
        stages = [*found, WON]
    in_order = [
        sum(1 for deal in created if is_subsequence(stages[: k + 1], ordered[deal]))
        for k in range(len(stages))
    ]
    any_path = [entered[stage] for stage in stages]
    steps = []
    for k, stage in enumerate(stages):
        last = k + 1 == len(stages)
        steps.append(
            FunnelStep(
                stage,
                in_order[k],
                any_path[k],
                None if last else ratio(in_order[k + 1], in_order[k]),
                ratio(in_order[k], len(created)),
                None if last else ratio(any_path[k + 1], any_path[k]),
                ratio(any_path[k], len(created)),
            )
        )
    return Funnel(pipeline, len(created), steps)


def flow_order(facts: Sequence[tuple[str, str, str, int]]) -> list[str]:
    """The stages in the order deals pass through them, then `won`: stage a beats stage b
    when more deals entered a before b than b before a; stages are ordered by how many others
    they beat minus how many beat them, ties by deals entered, then by name.

    Unlike the report's default (most entered first) this order does not change when a later
    stage briefly counts more deals than an earlier one, so a live funnel keeps its bars in
    place through the day."""
    paths: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for kind, deal, stage, ms in facts:
        if kind in ("created", "stage"):
            paths[deal].append((ms, stage))
    before: Counter[tuple[str, str]] = Counter()
    entered: Counter[str] = Counter()
    for path in paths.values():
        firsts: dict[str, int] = {}
        for index, (_, stage) in enumerate(by_time(path)):
            firsts.setdefault(stage, index)
        entered.update(firsts)
        before.update((a, b) for a, at in firsts.items() for b, bt in firsts.items() if at < bt)
    score: Counter[str] = Counter()
    for (a, b), count in before.items():
        if count > before[(b, a)]:
            score[a] += 1
            score[b] -= 1
    stages = sorted(entered, key=lambda s: (-score[s], -entered[s], s))
    return [s for s in stages if s != WON] + [WON]


async def pipeline_facts(
    session: AsyncSession,
    tenant_id: int,
    pipeline: str,
    start_ms: int,
    end_ms: int,
    team: str | None = None,
) -> list[tuple[str, str, str, int]]:
    """(kind, deal id, stage, ms) of the pipeline's funnel facts in [start_ms, end_ms); with
    `team`, only those of deals the team's agents owned at the time."""
    t = PipelineFactRow
    query = select(t.kind, t.deal_id, t.stage, t.ms).where(
        t.tenant_id == tenant_id,
        t.pipeline == pipeline,
        t.ms >= start_ms,
        t.ms < end_ms,
        t.kind.in_(("created", "stage", WON)),
    )
    if team is not None:
        query = query.where(t.team == team)
    query = query.order_by(t.ms, t.id)
    rows = await session.execute(query)
    return [(kind, deal, stage, ms) for kind, deal, stage, ms in rows.all()]


async def pipeline_funnel(
    session: AsyncSession,
    tenant_id: int,
    pipeline: str,
    start_ms: int,
    end_ms: int,
    stages: Sequence[str] | None = None,
) -> Funnel:
    facts = await pipeline_facts(session, tenant_id, pipeline, start_ms, end_ms)
    return build_funnel(pipeline, facts, stages)
