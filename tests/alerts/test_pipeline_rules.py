"""Alert rules on the pipeline metrics: which metric goes with which scope and window, and
rules that fire on stalled deals of a team and on a team's win rate, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.alerts.rules import RuleError, check_metric, parse_rule_scope
from tests.alerts.receivers import http_receiver
from tests.alerts.support import Floor, base_ms, make_floor
from tests.conftest import RunningApp
from tests.helpers import ev

DAY_MS = 86_400_000


@pytest.mark.parametrize(
    ("metric", "scope", "window"),
    [
        ("deals_stalled", "team:East", "live"),
        ("deals_stalled:offer", "pipeline:b2b", "live"),
        ("pipeline_value", "agent:a1", "15m"),
        ("win_rate", "tenant", "today"),
        ("time_to_close", "each_agent", "60m"),
        ("revenue", "pipeline:b2b", "today"),
        ("deals_won", "pipeline:b2b", "interval"),
    ],
)
def test_pipeline_metrics_that_rules_take(metric: str, scope: str, window: str) -> None:
    check_metric(metric, parse_rule_scope(scope), window, None)


@pytest.mark.parametrize(
    ("metric", "scope", "window", "why"),
    [
        ("win_rate", "tenant", "live", "over a window"),
        ("win_rate", "queue:Sales", "15m", "not available per queue"),
        ("deals_open", "each_queue", "live", "counts deals"),
        ("deals_stalled:", "tenant", "live", "unknown metric"),
        ("answered", "pipeline:b2b", "15m", "a pipeline has none"),
        ("occupancy", "pipeline:b2b", "15m", "not available per pipeline"),
        ("calls_waiting", "pipeline:b2b", "live", "not a metric of a pipeline"),
    ],
)
def test_pipeline_metrics_that_rules_refuse(metric: str, scope: str, window: str, why: str) -> None:
    with pytest.raises(RuleError, match=why):
        check_metric(metric, parse_rule_scope(scope), window, None)


@pytest.fixture
async def floor(app_server: RunningApp) -> AsyncIterator[Floor]:
    async with http_receiver() as receiver, make_floor(app_server, receiver) as floor:
        yield floor


async def test_rules_fire_on_stalled_deals_and_a_low_win_rate(floor: Floor) -> None:
    await floor.rule(name="Stalled North", metric="deals_stalled", scope="team:North",
                     window="live", op=">", threshold=1)  # fmt: skip
    await floor.rule(name="North wins", metric="win_rate", scope="team:North", window="60m",
                     op="<", threshold=0.5)  # fmt: skip
    t0 = base_ms()
    old = t0 - 8 * DAY_MS  # older than the default stall limit of 7 days
    await floor.post(
        ev("deal.created", old, deal_id="d1", agent="a1", amount=100),
        ev("deal.created", old, deal_id="d2", agent="a2", amount=100),
        ev("deal.created", old, deal_id="d3", agent="s1", amount=100),
        ev("deal.created", t0, deal_id="d4", agent="a1", amount=100),
    )
    firing = {a["rule_name"]: a for a in await floor.alerts("firing")}
    assert firing["Stalled North"]["value"] == 2  # d1, d2; d3 is South's, d4 is fresh
    assert "North wins" not in firing  # no deal closed yet: win rate is null

    await floor.post(
        ev("deal.lost", t0 + 60_000, deal_id="d1", reason="price"),
        ev("deal.won", t0 + 120_000, deal_id="d4"),
        ev("deal.lost", t0 + 180_000, deal_id="d2"),
    )
    firing = {a["rule_name"]: a for a in await floor.alerts("firing")}
    assert firing["North wins"]["value"] == pytest.approx(1 / 3)
    assert "Stalled North" not in firing  # one stalled deal left: not above 1
