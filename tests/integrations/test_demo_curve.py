"""The live demo stresses the floor within two minutes: its traffic, run through the real
aggregator on event time from the moment the demo goes live, has calls waiting, a service
level below 80 %, and a demo alert rule that fires within the first two simulated minutes and
resolves after it (evaluated with the alert engine's own state machine, once a second)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.alerts.rules import Condition
from app.alerts.schemas import RuleIn
from app.alerts.state import Phase, Track, step
from app.integrations.demo import DEMO_RULES, demo_config
from app.integrations.simulation import Simulator
from app.streams.aggregator import QueueConfig, TenantAggregator, TenantConfig

TWO_MINUTES_MS = 120_000
WATCH_MS = 8 * 60_000
"""How long the test follows the demo for a fired alert to resolve."""


def condition_of(rule: RuleIn) -> Condition:
    return Condition(
        op=rule.op,
        threshold=rule.threshold,
        clear_threshold=rule.clear_threshold,
        for_ms=int(rule.for_s * 1000),
        keep_firing_for_ms=int(rule.keep_firing_for_s * 1000),
    )


def aggregator_for(sim: Simulator) -> TenantAggregator:
    """The aggregator as the app configures it for the provisioned demo roster."""
    roster = sim.roster()
    return TenantAggregator(
        TenantConfig(
            tenant_id=1,
            timezone=roster.time_zone,
            queues={
                q.name: QueueConfig(q.sl_threshold_s, q.short_abandon_s, q.wrapup_s)
                for q in roster.queues
            },
            agent_teams={a.id: a.team for a in roster.agents},
            agent_names={a.id: a.name for a in roster.agents},
        )
    )


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 6, 20, 36, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 15, tzinfo=UTC),
        datetime(2026, 7, 14, 9, 45, tzinfo=UTC),
    ],
)
def test_the_demo_queues_dips_and_alerts_within_two_minutes(now: datetime) -> None:
    sim = Simulator(demo_config(now))
    agg = aggregator_for(sim)
    live_ms = int(now.timestamp() * 1000)
    agg.apply_batch(sim.run_until(live_ms))  # the backfilled hour before the demo goes live
    rules = {rule.name: (rule, condition_of(rule)) for rule in DEMO_RULES}
    tracks: dict[str, Track | None] = dict.fromkeys(rules)
    fired: dict[str, int] = {}
    resolved: dict[str, int] = {}
    waiting: list[int] = []
    service_levels: list[float] = []
    for t in range(live_ms, live_ms + WATCH_MS + 1, 1000):
        agg.apply_batch(sim.run_until(t))
        agg.advance(t)
        gauges = agg.metrics("tenant", "live", t)
        if t - live_ms <= TWO_MINUTES_MS:
            waiting.append(int(gauges["calls_waiting"] or 0))
            sl = agg.metrics("tenant", "5m", t)["service_level"]
            if sl is not None:
                service_levels.append(float(sl))
        for name, (rule, condition) in rules.items():
            value = agg.metrics(rule.scope, rule.window, t)[rule.metric]
            moved = step(condition, tracks[name], None if value is None else float(value), t)
            tracks[name] = moved.track
            if moved.transition and moved.transition[1] is Phase.firing:
                fired.setdefault(name, t)
            if moved.transition == (Phase.firing, Phase.resolved) and name in fired:
                resolved.setdefault(name, t)

    assert max(waiting) > 0, "calls wait in the first two minutes"
    assert max(waiting) >= 5, f"a queue builds up: at most {max(waiting)} waiting"
    assert min(service_levels) < 0.8, f"service level stays at {min(service_levels):.2f}"
    early = {name for name, at in fired.items() if at - live_ms <= TWO_MINUTES_MS}
    assert early, f"no demo rule fired in the first two minutes: {fired}"
    assert any(name in resolved for name in early), (
        f"fired {fired}, resolved {resolved}: a fired alert resolves within the watch"
    )
