"""Wrap-up limits (a queue's `wrapup_s`, docs/metrics.md): none, no wrap-up, or a wrap-up that
ends by itself N seconds after the call unless an event ends it sooner - under the event clock
(the next event) and the wall clock (`advance` with no event), across checkpoints, and from a
checkpoint written before limits existed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.events.schemas import (
    AgentLogin,
    AgentState,
    CallAnswered,
    CallEnded,
    CallQueued,
    CallWrapupEnded,
)
from app.streams.aggregator import CallFact, QueueConfig, TenantAggregator, TenantConfig
from tests.streams.checkpoint_samples import V1_END_MS, V1_EVENTS
from tests.streams.test_aggregator_rules import Feed, answered_call, at, cfg, state

HOTLINE = {
    "sales": QueueConfig(),
    "support": QueueConfig(wrapup_s=0),
    "hotline": QueueConfig(wrapup_s=30),
}
SAMPLE_V1 = Path(__file__).parent / "samples" / "checkpoint_v1.msgpack"


def setup(**kw: Any) -> tuple[TenantAggregator, Feed]:
    agg = TenantAggregator(cfg(queues=HOTLINE, **kw))
    return agg, Feed(agg)


def since(agg: TenantAggregator, agent: str, now_s: float) -> int:
    return next(r.since_ms for r in agg.agent_board(at(now_s)) if r.agent == agent)


def call_facts(agg: TenantAggregator) -> dict[str, CallFact]:
    return {f.call_id: f for f in agg.drain_facts() if isinstance(f, CallFact)}


def test_a_limit_gives_each_call_its_wrapup_and_the_agent_back_after_it_event_clock() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "hotline", 0)  # ends at 70
    assert state(agg, "ann", 99) == ("wrapup", None)
    feed(CallQueued, 120, call_id="c2", queue="hotline")  # the next event passes 100
    assert state(agg, "ann", 120) == ("available", None)
    assert since(agg, "ann", 120) == at(100)
    feed(CallAnswered, 130, call_id="c2", agent="ann")
    feed(CallEnded, 190, call_id="c2")
    feed(AgentLogin, 400, agent="bob")
    assert since(agg, "ann", 400) == at(220)
    m = agg.metrics("queue:hotline", "15m", at(400))
    assert (m["handled"], m["talk_time"], m["wrapup_time"], m["aht"]) == (2, 60.0, 30.0, 90.0)
    m = agg.metrics("agent:ann", "15m", at(400))
    assert (m["time_wrapup"], m["time_on_call"]) == (60.0, 120.0)
    facts = call_facts(agg)
    assert (facts["c1"].wrapup_s, facts["c1"].wrapup_ended_ms) == (30.0, at(100))
    assert (facts["c2"].finished_ms, facts["c2"].wrapup_ended_ms) == (at(220), at(220))


def test_a_limit_ends_the_wrapup_with_no_event_under_the_wall_clock() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "hotline", 0)
    agg.advance(at(99.999))
    assert state(agg, "ann", 99.999) == ("wrapup", None)
    assert agg.metrics("queue:hotline", "15m", at(99.999))["handled"] == 0
    agg.advance(at(100))
    assert state(agg, "ann", 100) == ("available", None)
    assert since(agg, "ann", 100) == at(100)
    assert agg.clock_ms == at(100)
    m = agg.metrics("queue:hotline", "15m", at(100))
    assert (m["handled"], m["aht"], m["wrapup_time"]) == (1, 90.0, 30.0)


def test_an_event_ends_a_limited_wrapup_sooner_and_the_limit_then_does_nothing() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "hotline", 0)
    feed(CallWrapupEnded, 80, call_id="c1")
    assert state(agg, "ann", 80) == ("available", None)
    agg.advance(at(200))
    m = agg.metrics("queue:hotline", "15m", at(200))
    assert (m["handled"], m["wrapup_time"]) == (1, 10.0)
    answered_call(feed, "c2", "ann", "hotline", 200)  # wrap-up from 270
    feed(AgentState, 285, agent="ann", state="break", reason="lunch")
    agg.advance(at(400))
    assert state(agg, "ann", 400) == ("break", "lunch")
    assert agg.metrics("queue:hotline", "15m", at(400))["wrapup_time"] == (10 + 15) / 2


def test_a_late_call_end_gets_the_whole_limit_from_its_arrival_and_never_more() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    feed(CallQueued, 0, call_id="c1", queue="hotline")
    feed(CallAnswered, 10, call_id="c1", agent="ann")
    feed(AgentLogin, 100, agent="bob")
    feed(CallEnded, 70, call_id="c1")  # arrives at aggregator time 100
    assert state(agg, "ann", 129) == ("wrapup", None)
    feed(CallWrapupEnded, 125, call_id="c1")  # 55 s after the end as sent: capped at 30
    m = agg.metrics("queue:hotline", "15m", at(125))
    assert (m["handled"], m["wrapup_time"]) == (1, 30.0)
    assert call_facts(agg)["c1"].wrapup_ended_ms == at(100)


def test_zero_means_no_wrapup_and_none_means_until_an_event() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    feed(AgentLogin, 0, agent="bob")
    answered_call(feed, "c1", "ann", "support", 0)
    answered_call(feed, "c2", "bob", "sales", 0)
    agg.advance(at(3000))
    assert state(agg, "ann", 3000) == ("available", None)
    assert state(agg, "bob", 3000) == ("wrapup", None)


def test_a_changed_limit_applies_to_calls_that_end_from_then_on() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "hotline", 0)  # wrap-up from 70, limit 30
    agg.set_config(cfg(queues={**HOTLINE, "hotline": QueueConfig(wrapup_s=5)}))
    agg.advance(at(99))
    assert state(agg, "ann", 99) == ("wrapup", None)
    agg.advance(at(100))
    answered_call(feed, "c2", "ann", "hotline", 100)  # ends at 170, limit 5
    agg.advance(at(175))
    assert state(agg, "ann", 175) == ("available", None)
    assert agg.metrics("queue:hotline", "15m", at(175))["wrapup_time"] == (30 + 5) / 2


def test_a_limit_reached_at_the_age_limit_ends_the_wrapup_before_the_call_expires() -> None:
    agg, feed = setup(max_call_age_s=100)
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "hotline", 0)  # first seen at 0, wrap-up 70-100
    agg.advance(at(100))
    m = agg.metrics("queue:hotline", "15m", at(100))
    assert (m["handled"], m["expired"], m["wrapup_time"]) == (1, 0, 30.0)


def test_a_limited_wrapup_continues_exactly_after_a_checkpoint() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "hotline", 0)
    answered_call(feed, "c2", "bob", "hotline", 5)  # wrap-up until 105
    restored = TenantAggregator.load(agg.dump(), cfg(queues=HOTLINE))
    assert restored.dump() == agg.dump()
    for target in (agg, restored):
        target.advance(at(101))
        assert state(target, "ann", 101) == ("available", None)
        assert state(target, "bob", 101) == ("wrapup", None)
    assert restored.dump() == agg.dump()
    for target in (agg, restored):
        target.advance(at(200))
    assert restored.metrics("tenant", "15m", at(200)) == agg.metrics("tenant", "15m", at(200))
    assert restored.agent_board(at(200)) == agg.agent_board(at(200))
    assert restored.drain_facts() == agg.drain_facts()
    assert restored.dump() == agg.dump()


def test_a_checkpoint_of_format_1_is_read_and_its_wrapups_have_no_limit() -> None:
    config = TenantConfig(tenant_id=1, queues={"support": QueueConfig(wrapup_s=30)})
    restored = TenantAggregator.load(SAMPLE_V1.read_bytes(), config)
    fresh = TenantAggregator(TenantConfig(tenant_id=1))
    fresh.apply_batch(V1_EVENTS)
    assert restored.dump() == fresh.dump()
    later = V1_END_MS + 3_600_000
    restored.advance(later)  # a wrap-up of format 1 lasts until an event ends it
    board = {r.agent: r.state for r in restored.agent_board(later)}
    assert board == {"a1": "wrapup", "a2": "on_call"}
    restored.apply(CallWrapupEnded(id="x1", ts=later, call_id="c1"))
    assert restored.metrics("queue:support", "60m", later)["wrapup_time"] == 3_600_000 / 1000 + 5


def test_a_call_id_used_again_after_it_was_forgotten_may_share_its_old_wrapup_end() -> None:
    limits = {"long": QueueConfig(wrapup_s=3600), "short": QueueConfig(wrapup_s=100)}
    agg = TenantAggregator(cfg(queues=limits, finished_call_retention_s=10))
    feed = Feed(agg)
    feed(CallQueued, 0, call_id="c0", queue="long")
    feed(CallAnswered, 0.5, call_id="c0", agent="bob")
    feed(CallEnded, 1, call_id="c0")  # bob's wrap-up, ending at 3601, stays ahead of c1's
    feed(CallQueued, 0, call_id="c1", queue="long")
    feed(CallAnswered, 1, call_id="c1", agent="ann")
    feed(CallEnded, 2, call_id="c1")  # would end by itself at 3602
    feed(CallWrapupEnded, 3, call_id="c1")  # ended sooner; forgotten 10 s later
    feed(CallQueued, 3400, call_id="c1", queue="short")  # a new call with the same id
    feed(CallAnswered, 3401, call_id="c1", agent="ann")
    feed(CallEnded, 3502, call_id="c1")  # ends by itself at 3602 too
    agg.advance(at(3602))
    assert state(agg, "ann", 3602) == ("available", None)
    m = agg.metrics("tenant", "today", at(3602))
    assert (m["handled"], m["wrapup_time"]) == (3, (3600 + 1 + 100) / 3)
