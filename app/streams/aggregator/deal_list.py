"""The deal list of the wall (docs/wall.md, "Stalled deals"): the stalled open deals, oldest
first, and the deals won in the last `RECENT_WIN_MS`, as plain rows.

Both come from what the pipeline keeps per deal anyway (`Deals.open_deals` and the
closed deals remembered for `closed_deal_retention_s`), so nothing new goes into a checkpoint:
a restored run lists exactly what a run that never stopped lists.
"""

from __future__ import annotations

from typing import Final

from app.streams.aggregator.base import MICROS
from app.streams.aggregator.pipeline import WON, Deals

RECENT_WIN_MS: Final = 120_000
"""A won deal stays in the list this long (aggregator time) after its last event, so a wall
that connects a moment later still learns of it; the wall celebrates only wins that arrive
after its first copy."""
WON_PREFIX: Final = "won:"


def _money(amount: int | None) -> float | None:
    return None if amount is None else amount / MICROS


def deal_rows(pipeline: Deals, now_ms: int) -> list[dict[str, object]]:
    """Stalled open deals (`kind` `stalled`, oldest stage entry first, then by id), then the
    recent wins (`kind` `won`, latest last). `team` is the owner's team now."""
    m = pipeline.state
    q = max(now_ms, m.clock)
    names = m.config.agent_names
    limits: dict[tuple[str, str], float] = {}

    def owner_fields(owner: str | None) -> dict[str, object]:
        ag = m.agents.get(owner) if owner is not None else None
        name = None if owner is None else names.get(owner, ag.name if ag else None) or owner
        return {"owner": owner, "owner_name": name, "team": ag.team if ag else None}

    stalled = []
    for deal in pipeline.open_deals.values():
        key = (deal.pipeline, deal.stage)
        limit = limits.get(key)
        if limit is None:
            limit = limits[key] = m.config.stall_limit_s(*key)
        if q - deal.since > limit * 1000:
            stalled.append(deal)
    stalled.sort(key=lambda d: (d.since, d.id))
    rows: list[dict[str, object]] = [
        {
            "kind": "stalled",
            "id": deal.id,
            **owner_fields(deal.owner),
            "pipeline": deal.pipeline,
            "stage": deal.stage,
            "since": deal.since,
            "limit_s": limits[(deal.pipeline, deal.stage)],
            "amount": _money(deal.amount),
        }
        for deal in stalled
    ]
    won = [d for d in pipeline.deals.values() if d.status == WON and q - d.touched < RECENT_WIN_MS]
    won.sort(key=lambda d: (d.touched, d.id))
    rows.extend(
        {
            "kind": "won",
            "id": deal.id,
            **owner_fields(deal.owner),
            "pipeline": deal.pipeline,
            "at": deal.touched,
            "amount": _money(deal.amount),
        }
        for deal in won
    )
    return rows
