from __future__ import annotations

import pytest

from app.events.schemas import AgentLogin, AgentLogout, AgentState, AnyEvent, CallQueued
from app.streams.aggregator import TenantAggregator
from app.streams.aggregator.config import TenantConfig
from tests.integrations.platform_scenario import (
    PLATFORMS,
    Platform,
    Step,
    normalise,
    scenario_result,
)

T0 = 1709542800000  # 2024-03-04T09:00:00Z


def at(seconds: int) -> int:
    return T0 + seconds * 1000


EXPECTED: list[Step] = [
    (at(0), "agent.login", None, "agent1", None),
    (at(0), "agent.state", None, "agent1", "available"),
    (at(30), "agent.login", None, "agent2", None),
    (at(30), "agent.state", None, "agent2", "available"),
    (at(60), "call.queued", "call1", None, None),
    (at(65), "call.ringing", "call1", "agent1", None),
    (at(68), "call.answered", "call1", "agent1", None),
    (at(120), "call.hold", "call1", None, None),
    (at(150), "call.resumed", "call1", None, None),
    (at(240), "call.ended", "call1", None, None),
    (at(270), "call.wrapup_ended", "call1", None, None),
    (at(300), "call.queued", "call2", None, None),
    (at(340), "call.abandoned", "call2", None, None),
    (at(360), "agent.state", None, "agent2", "break"),
    (at(1200), "agent.state", None, "agent2", "available"),
    (at(1800), "agent.logout", None, "agent1", None),
]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_tells_the_same_story(platform: Platform) -> None:
    result = scenario_result(platform)

    assert result.errors == []
    assert normalise(result.events) == EXPECTED


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_queued_call_names_its_queue(platform: Platform) -> None:
    queued = [e for e in scenario_result(platform).events if isinstance(e, CallQueued)]

    assert len(queued) == 2
    assert len({e.queue for e in queued}) == 1


def test_normalise_reads_a_state_of_a_logged_out_agent_as_a_login() -> None:
    events: list[AnyEvent] = [
        AgentState(id="1", ts=10, agent="x", state="available"),
        AgentLogin(id="2", ts=20, agent="x"),
        AgentLogout(id="3", ts=30, agent="x"),
        AgentLogout(id="4", ts=40, agent="x"),
    ]

    assert normalise(events) == [
        (10, "agent.login", None, "agent1", None),
        (10, "agent.state", None, "agent1", "available"),
        (30, "agent.logout", None, "agent1", None),
    ]


def test_every_platform_gives_the_same_metrics() -> None:
    end = at(1860)
    results = {}
    for platform in PLATFORMS:
        aggregator = TenantAggregator(TenantConfig(tenant_id=1))
        aggregator.apply_batch(sorted(scenario_result(platform).events, key=lambda e: e.ms))
        aggregator.advance(end)
        results[platform] = aggregator.metrics("tenant", "today", end)

    connect = results["connect"]
    assert results["twilio"] == connect
    assert results["freeswitch"] == connect
    assert (connect["offered"], connect["answered"], connect["abandoned"]) == (2, 1, 1)
    assert (connect["talk_time"], connect["hold_time"], connect["wrapup_time"]) == (142, 30, 30)
    assert connect["aht"] == 202
    assert connect["time_break"] == 840
