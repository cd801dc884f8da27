"""The sales pipeline of the simulated centre (`SimConfig.pipeline`): the agents of the queues
that sell work their deals.

When such an agent answers a call it is sometimes a new lead (`deal.created`, in the `default`
or the `enterprise` pipeline, with an expected value) and sometimes about one of its open
deals; the call carries the deal's id. When the call ends the deal may move a stage, and in
a late stage be won, or be lost. Deals whose owner takes no call about them stay where they are
and stall. A generator of its own keeps the calls exactly as they are without the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import Final

from app.events.schemas import AnyEvent, DealCreated, DealLost, DealStageChanged, DealWon

STAGES: Final = ("new", "qualified", "proposal", "negotiation")
PIPELINES: Final = (("default", 0.7, 900.0), ("enterprise", 0.3, 6000.0))
"""(name, share of the new deals, median expected value)."""
MAX_OPEN_PER_AGENT: Final = 6
NEW_LEAD: Final = 0.35
ABOUT_A_DEAL: Final = 0.7
WON: Final = (0.0, 0.0, 0.2, 0.5)
"""Per stage: the chance a call ends with the deal won (a proposal may be signed at once)."""
LOST: Final = (0.07, 0.07, 0.08, 0.15)
MOVE: Final = 0.5


@dataclass
class SimDeal:
    id: str
    stage: int
    expected: float


class PipelineSim:
    def __init__(self, seed: int, prefix: str, next_id: Callable[[], str]) -> None:
        self.rng = Random(f"pipeline-{seed}")
        self.prefix = prefix
        self.next_id = next_id
        self.open: dict[str, list[SimDeal]] = {}
        self.deals = 0

    def call_answered(self, t: int, agent: str) -> tuple[list[AnyEvent], str | None]:
        """The events before the call (a new lead) and the deal the call is about, if any."""
        rng = self.rng
        mine = self.open.setdefault(agent, [])
        if len(mine) < MAX_OPEN_PER_AGENT and rng.random() < NEW_LEAD:
            self.deals += 1
            roll, pipeline, median = rng.random(), PIPELINES[-1][0], PIPELINES[-1][2]
            for name, share, value in PIPELINES:
                if roll < share:
                    pipeline, median = name, value
                    break
                roll -= share
            deal = SimDeal(
                f"{self.prefix}deal-{self.deals}", 0, round(median * rng.lognormvariate(0, 0.5), 2)
            )
            mine.append(deal)
            created = DealCreated(
                id=self.next_id(), ts=t, deal_id=deal.id, agent=agent, stage=STAGES[0],
                pipeline=pipeline, amount=deal.expected, source="phone",
            )  # fmt: skip
            return [created], deal.id
        if mine and rng.random() < ABOUT_A_DEAL:
            return [], rng.choice(mine).id
        return [], None

    def call_ended(self, t: int, agent: str, deal_id: str) -> list[AnyEvent]:
        """The deal after the call: moved on, won, lost or where it was."""
        rng = self.rng
        mine = self.open.get(agent, [])
        deal = next((d for d in mine if d.id == deal_id), None)
        if deal is None:
            return []
        roll = rng.random()
        won, lost = WON[deal.stage], LOST[deal.stage]
        if roll < won:
            mine.remove(deal)
            amount = round(deal.expected * rng.uniform(0.8, 1.1), 2)
            return [DealWon(id=self.next_id(), ts=t, deal_id=deal.id, amount=amount)]
        if roll < won + lost:
            mine.remove(deal)
            return [DealLost(id=self.next_id(), ts=t, deal_id=deal.id, reason="competitor")]
        if roll < won + lost + MOVE and deal.stage + 1 < len(STAGES):
            deal.stage += 1
            return [DealStageChanged(id=self.next_id(), ts=t, deal_id=deal.id,
                                     stage=STAGES[deal.stage])]  # fmt: skip
        return []
