"""Alert rules against the day plan (`against_plan`): which rules may compare with a plan, and
over real HTTP a team's and each agent's win rate measured as a share of their day plans,
firing below plan and resolving once the plan is reached, with no alert for a scope without a
plan or with a plan of 0. The alert tests run under the event clock (tests/alerts/conftest.py),
so "today" is the day of the test's events at any hour."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.alerts.rules import RuleError, check_against_plan, check_metric, parse_rule_scope
from tests.alerts.receivers import http_receiver
from tests.alerts.support import Floor, base_ms, make_floor
from tests.conftest import RunningApp
from tests.helpers import ev

DAY_MS = 86_400_000


@pytest.mark.parametrize(
    ("metric", "scope"),
    [("win_rate", "team:North"), ("win_rate", "each_agent"), ("aht", "each_queue"),
     ("service_level", "tenant"), ("time_to_close", "agent:a1"),
     ("average_deal", "pipeline:b2b")],
)  # fmt: skip
def test_rules_that_may_compare_with_the_day_plan(metric: str, scope: str) -> None:
    check_metric(metric, parse_rule_scope(scope), "today", None)
    check_against_plan(metric, "today", True)


@pytest.mark.parametrize(
    ("metric", "window", "why"),
    [
        ("win_rate", "60m", "window `today`"),
        ("calls_waiting", "today", "counted over the day"),
        ("deals_open", "today", "counted over the day"),
        ("banned_phrase", "today", "counted over the day"),
        ("deals_won", "today", "grows through the day"),
        ("revenue", "today", "grows through the day"),
        ("answered", "today", "grows through the day"),
    ],
)
def test_rules_that_may_not(metric: str, window: str, why: str) -> None:
    with pytest.raises(RuleError, match=why):
        check_against_plan(metric, window, True)


@pytest.fixture
async def floor(app_server: RunningApp) -> AsyncIterator[Floor]:
    async with http_receiver() as receiver, make_floor(app_server, receiver) as floor:
        yield floor


async def add_plan(floor: Floor, day: str, **fields: Any) -> dict[str, Any]:
    body = {"period": "day", "start_date": day, "end_date": day, **fields}
    response = await floor.client.post("/v1/plans", json=body)
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


def one_day_start() -> int:
    """An event time from which the test's timeline stays within one UTC day."""
    t0 = base_ms()
    return t0 - 30 * 60_000 if t0 % DAY_MS > DAY_MS - 30 * 60_000 else t0


async def test_the_api_refuses_a_rule_against_the_plan_over_a_window(floor: Floor) -> None:
    body = {"name": "r", "metric": "win_rate", "scope": "team:North", "window": "15m",
            "op": "<", "threshold": 1, "against_plan": True}  # fmt: skip
    response = await floor.client.post("/v1/alert-rules", json=body)
    assert response.status_code == 422, response.text
    assert "window `today`" in response.text


async def test_below_plan_fires_and_reaching_it_resolves(floor: Floor) -> None:
    t0 = one_day_start()
    day = datetime.fromtimestamp(t0 / 1000, UTC).date().isoformat()
    await add_plan(floor, day, metric="win_rate", scope="team:North", standard=0.5)
    await add_plan(floor, day, metric="win_rate", scope="agent:a1", standard=0.7)
    await add_plan(floor, day, metric="win_rate", scope="agent:a2", standard=0)
    plain = await floor.rule(name="Plain", metric="win_rate", scope="team:North",
                             window="today", op="<", threshold=0.1)  # fmt: skip
    assert plain["against_plan"] is False
    await floor.rule(name="Teams below plan", metric="win_rate", scope="team:North",
                     window="today", op="<", threshold=1, against_plan=True)  # fmt: skip
    await floor.rule(name="South below plan", metric="win_rate", scope="team:South",
                     window="today", op="<", threshold=1, against_plan=True)  # fmt: skip
    agent_rule = await floor.rule(name="Agents below plan", metric="win_rate",
                                  scope="each_agent", window="today", op="<", threshold=0.9,
                                  clear_threshold=1, against_plan=True)  # fmt: skip
    assert agent_rule["against_plan"] is True

    await floor.post(
        *[ev("deal.created", t0 + i, deal_id=f"d{i}", agent=a, amount=100)
          for i, a in enumerate(["a1", "a2", "a1", "a1", "a1", "s1"])],
        ev("deal.won", t0 + 60_000, deal_id="d0"),
        ev("deal.lost", t0 + 61_000, deal_id="d1"),
        ev("deal.lost", t0 + 62_000, deal_id="d2"),
        ev("deal.lost", t0 + 63_000, deal_id="d5"),
    )  # fmt: skip
    firing = {(a["rule_name"], a["scope"]): a for a in await floor.alerts("firing")}
    assert set(firing) == {("Teams below plan", "team:North"), ("Agents below plan", "agent:a1")}
    north = firing[("Teams below plan", "team:North")]
    assert north["value"] == pytest.approx((1 / 3) / 0.5)
    assert north["threshold"] == 1
    assert north["plan"]["plan"] == 0.5
    assert north["plan"]["actual"] == pytest.approx(1 / 3)
    assert "67% of plan (33.3% against 50.0%; alert when < 100%)" in north["summary"]
    a1 = firing[("Agents below plan", "agent:a1")]
    assert a1["value"] == pytest.approx(0.5 / 0.7)  # won d0, lost d2
    assert a1["plan"] == {"actual": 0.5, "plan": 0.7}
    # South lost its only deal but has no plan; a2 lost d1, but a plan of 0 has no share

    await floor.post(
        ev("deal.won", t0 + 120_000, deal_id="d3"),
        ev("deal.won", t0 + 121_000, deal_id="d4"),
    )
    assert await floor.alerts("firing") == []
    resolved = {(a["rule_name"], a["scope"]): a for a in await floor.alerts("resolved")}
    assert resolved[("Teams below plan", "team:North")]["value"] == pytest.approx(0.6 / 0.5)
    assert resolved[("Agents below plan", "agent:a1")]["plan"] == {"actual": 0.75, "plan": 0.7}
    await floor.settled()
    sent = [r.json()["alert"] for r in floor.receiver.requests]
    assert {(a["scope"], a["plan"]["plan"]) for a in sent} == {
        ("team:North", 0.5),
        ("agent:a1", 0.7),
    }
    assert all("of plan" in a["summary"] for a in sent), sent


async def test_deleting_the_plan_resolves_its_alert_and_the_summary_says_so(floor: Floor) -> None:
    t0 = one_day_start()
    day = datetime.fromtimestamp(t0 / 1000, UTC).date().isoformat()
    plan = await add_plan(floor, day, metric="win_rate", scope="team:North", standard=0.8)
    await floor.rule(name="North below plan", metric="win_rate", scope="team:North",
                     window="today", op="<", threshold=1, against_plan=True)  # fmt: skip
    await floor.post(
        ev("deal.created", t0, deal_id="d0", agent="a1", amount=100),
        ev("deal.created", t0 + 1, deal_id="d1", agent="a1", amount=100),
        ev("deal.won", t0 + 60_000, deal_id="d0"),
        ev("deal.lost", t0 + 61_000, deal_id="d1"),
    )
    [firing] = await floor.alerts("firing")
    assert firing["plan"] == {"actual": 0.5, "plan": 0.8}

    deleted = await floor.client.delete(f"/v1/plans/{plan['id']}")
    assert deleted.status_code == 204, deleted.text
    await floor.post(ev("deal.created", t0 + 120_000, deal_id="d2", agent="a1", amount=1))
    assert await floor.alerts("firing") == []
    [resolved] = await floor.alerts("resolved")
    assert resolved["value"] is None
    assert resolved["plan"] == {"actual": None, "plan": None}
    assert "no plan for today (alert when < 100% of plan)" in resolved["summary"]
    assert "80" not in resolved["summary"], "the deleted plan is not quoted"


async def test_changing_what_a_rule_measures_ends_its_open_alerts(floor: Floor) -> None:
    rule = await floor.rule(name="Waiting", metric="calls_waiting", scope="tenant",
                            window="live", op=">=", threshold=1)  # fmt: skip
    t0 = base_ms()
    await floor.post(ev("call.queued", t0, call_id="w1", queue="Sales"))
    assert [a["rule_name"] for a in await floor.alerts("firing")] == ["Waiting"]
    path = f"/v1/alert-rules/{rule['id']}"
    assert (await floor.client.patch(path, json={"threshold": 0.5})).status_code == 200
    assert [a["rule_name"] for a in await floor.alerts("firing")] == ["Waiting"]

    changed = await floor.client.patch(path, json={"metric": "longest_wait", "threshold": 3600})
    assert changed.status_code == 200, changed.text
    assert await floor.alerts("firing") == []
    assert [a["rule_name"] for a in await floor.alerts("resolved")] == ["Waiting"]
    await floor.post(ev("call.queued", t0 + 1000, call_id="w2", queue="Sales"))
    assert await floor.alerts("firing", "pending") == []  # the old episode did not come back
