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
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.registry.metrics import ratio
from app.reports.models import PipelineFactRow

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


def is_subsequence(steps: Sequence[str], path: Sequence[str]) -> bool:
    it = iter(path)
    return all(step in it for step in steps)


def build_funnel(
    pipeline: str,
    facts: Sequence[tuple[str, str, str, int]],
    stages: Sequence[str] | None = None,
) -> Funnel:
    """`facts`: (kind, deal id, stage, ms) of the pipeline in the period, any order."""
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
    ordered = {deal: [stage for _, stage in sorted(path)] for deal, path in paths.items()}
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


async def pipeline_funnel(
    session: AsyncSession,
    tenant_id: int,
    pipeline: str,
    start_ms: int,
    end_ms: int,
    stages: Sequence[str] | None = None,
) -> Funnel:
    t = PipelineFactRow
    rows = await session.execute(
        select(t.kind, t.deal_id, t.stage, t.ms).where(
            t.tenant_id == tenant_id,
            t.pipeline == pipeline,
            t.ms >= start_ms,
            t.ms < end_ms,
            t.kind.in_(("created", "stage", WON)),
        )
    )
    facts = [(kind, deal, stage, ms) for kind, deal, stage, ms in rows.all()]
    return build_funnel(pipeline, facts, stages)
