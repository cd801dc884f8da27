"""One test per state-machine and window rule of the aggregator (docs/metrics.md)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.events.schemas import (
    AgentLogin,
    AgentLogout,
    AgentState,
    CallAbandoned,
    CallAnswered,
    CallConnected,
    CallDialed,
    CallEnded,
    CallHold,
    CallLeftQueue,
    CallQueued,
    CallResumed,
    CallRinging,
    CallTransferred,
    CallWrapupEnded,
    CsatSubmitted,
    DealClosed,
    Event,
)
from app.streams.aggregator import (
    AgentStateFact,
    CallFact,
    DealFact,
    Fact,
    QueueConfig,
    TenantAggregator,
    TenantConfig,
)
from app.streams.aggregator.checkpoint import VERSION

T0 = int(datetime(2024, 5, 14, 9, 0, tzinfo=UTC).timestamp() * 1000)  # a Tuesday, 11:00 Warsaw
S = 1000


def cfg(**kw: Any) -> TenantConfig:
    base: dict[str, Any] = {
        "tenant_id": 1,
        "timezone": "Europe/Warsaw",
        "queues": {"sales": QueueConfig(), "support": QueueConfig(wrapup_s=0)},
        "agent_teams": {"ann": "red", "bob": "red", "cid": "blue"},
        "agent_names": {"ann": "Ann A."},
    }
    base.update(kw)
    return TenantConfig(**base)


class Feed:
    """Events with fresh ids at T0 + seconds."""

    def __init__(self, agg: TenantAggregator) -> None:
        self.agg = agg
        self.ids = itertools.count()

    def __call__(self, cls: type[Event], at_s: float, **fields: Any) -> None:
        self.agg.apply(cls(id=f"e{next(self.ids)}", ts=T0 + int(at_s * S), **fields))


def setup(**kw: Any) -> tuple[TenantAggregator, Feed]:
    agg = TenantAggregator(cfg(**kw))
    return agg, Feed(agg)


def at(s: float) -> int:
    return T0 + int(s * S)


def state(agg: TenantAggregator, agent: str, now_s: float) -> tuple[str, str | None]:
    row = next(r for r in agg.agent_board(at(now_s)) if r.agent == agent)
    return row.state, row.reason


def answered_call(feed: Feed, call: str, agent: str, queue: str, start: float) -> None:
    """queued at start, answered 10 s later, talk 60 s."""
    feed(CallQueued, start, call_id=call, queue=queue)
    feed(CallAnswered, start + 10, call_id=call, agent=agent)
    feed(CallEnded, start + 70, call_id=call)


# ---------------------------------------------------------------- agent states from calls


def test_answer_puts_the_agent_on_call_end_in_wrapup_and_wrapup_end_back_available() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    assert state(agg, "ann", 0) == ("available", None)
    feed(CallQueued, 1, call_id="c1", queue="sales")
    feed(CallRinging, 2, call_id="c1", agent="ann")
    assert state(agg, "ann", 2) == ("ringing", None)
    feed(CallAnswered, 3, call_id="c1", agent="ann")
    assert state(agg, "ann", 3) == ("on_call", None)
    feed(CallEnded, 63, call_id="c1")
    assert state(agg, "ann", 63) == ("wrapup", None)
    assert agg.metrics("tenant", "15m", at(63))["handled"] == 0
    feed(CallWrapupEnded, 83, call_id="c1")
    assert state(agg, "ann", 83) == ("available", None)
    m = agg.metrics("agent:ann", "15m", at(83))
    assert (m["handled"], m["aht"], m["talk_time"], m["wrapup_time"]) == (1, 80.0, 60.0, 20.0)


def test_a_queue_without_wrapup_sends_the_agent_straight_back_and_counts_at_the_end() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "support", 0)
    assert state(agg, "ann", 70) == ("available", None)
    m = agg.metrics("queue:support", "15m", at(70))
    assert (m["handled"], m["aht"], m["wrapup_time"]) == (1, 60.0, 0.0)


def test_agent_state_sets_breaks_with_reasons_and_available_ends_them() -> None:
    agg, feed = setup()
    feed(AgentState, 0, agent="ann", state="break", reason="lunch")
    feed(AgentState, 0, agent="bob", state="away")
    assert state(agg, "ann", 0) == ("break", "lunch")
    m = agg.metrics("team:red", "live", at(10))
    assert m["agents_logged_in"] == 2
    assert m["agents_break"] == 2
    assert (m["agents_break:lunch"], m["agents_break:away"]) == (1, 1)
    feed(AgentState, 600, agent="ann", state="available")
    m = agg.metrics("team:red", "15m", at(600))
    assert m["agents_available"] == 1
    assert "agents_break:lunch" not in m
    assert m["time_break"] == 1200.0  # ann 600 s + bob 600 s


def test_a_break_asked_during_a_call_starts_after_the_call() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    feed(CallQueued, 0, call_id="c1", queue="support")
    feed(CallAnswered, 5, call_id="c1", agent="ann")
    feed(AgentState, 10, agent="ann", state="break", reason="coffee")
    assert state(agg, "ann", 10) == ("on_call", None)
    feed(CallEnded, 30, call_id="c1")
    assert state(agg, "ann", 30) == ("break", "coffee")


def test_taking_a_call_or_setting_a_state_ends_a_wrapup_that_never_got_its_end() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "sales", 0)  # wrap-up from 70
    answered_call(feed, "c2", "ann", "sales", 80)  # answered at 90
    m = agg.metrics("tenant", "15m", at(90))
    assert (m["handled"], m["wrapup_time"]) == (1, 20.0)
    feed(AgentState, 200, agent="ann", state="break", reason="lunch")  # c2 in wrap-up from 150
    m = agg.metrics("tenant", "15m", at(200))
    assert (m["handled"], m["wrapup_time"]) == (2, 35.0)
    assert state(agg, "ann", 200) == ("break", "lunch")


def test_login_and_logout_and_logout_in_wrapup_completes_the_call() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "sales", 0)
    feed(AgentLogout, 100, agent="ann")
    assert state(agg, "ann", 100) == ("logged_out", None)
    m = agg.metrics("tenant", "15m", at(100))
    assert (m["agents_logged_in"], m["handled"], m["wrapup_time"]) == (0, 1, 30.0)
    feed(AgentLogout, 110, agent="ann")
    assert agg.metrics("tenant", "15m", at(110))["handled"] == 1


def test_call_events_imply_a_login() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="sales")
    feed(CallAnswered, 5, call_id="c1", agent="cid")
    assert agg.metrics("team:blue", "live", at(5))["agents_on_call"] == 1
    assert agg.metrics("tenant", "live", at(5))["agents_logged_in"] == 1


def test_occupancy_is_busy_time_over_busy_and_available_time() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    feed(CallQueued, 30, call_id="c1", queue="sales")
    feed(CallAnswered, 30, call_id="c1", agent="ann")  # available 0-30
    feed(CallEnded, 90, call_id="c1")  # on call 30-90
    feed(CallWrapupEnded, 120, call_id="c1")  # wrap-up 90-120
    m = agg.metrics("agent:ann", "5m", at(120))
    assert m["occupancy"] == 90 / 120
    assert (m["time_available"], m["time_on_call"], m["time_wrapup"]) == (30.0, 60.0, 30.0)
    m = agg.metrics("agent:ann", "5m", at(150))  # the open interval counts up to now
    assert m["time_available"] == 60.0


# ---------------------------------------------------------------- outcomes


def test_service_level_abandonment_and_short_abandons() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="fast", queue="sales")
    feed(CallAnswered, 20, call_id="fast", agent="ann")  # wait 20 <= 20: within
    feed(CallQueued, 0, call_id="slow", queue="sales")
    feed(CallAnswered, 21, call_id="slow", agent="bob")  # 21 > 20
    feed(CallQueued, 0, call_id="short", queue="sales")
    feed(CallAbandoned, 4.999, call_id="short")  # < 5: short
    feed(CallQueued, 0, call_id="gone", queue="sales")
    feed(CallAbandoned, 30, call_id="gone")
    feed(CallQueued, 0, call_id="left", queue="sales")
    feed(CallLeftQueue, 40, call_id="left", reason="timeout")
    m = agg.metrics("queue:sales", "15m", at(60))
    assert (m["offered"], m["answered"], m["abandoned"], m["short_abandoned"]) == (5, 2, 2, 1)
    assert m["left_queue"] == 1
    assert m["service_level"] == 1 / 4  # within / (offered - short abandoned)
    assert m["abandonment_rate"] == 1 / 4
    assert m["asa"] == 20.5
    assert m["max_wait"] == 30.0  # the abandoned call waited longest


def test_a_call_answered_without_queued_counts_with_an_unknown_wait() -> None:
    agg, feed = setup()
    feed(CallAnswered, 5, call_id="c1", agent="ann", queue="sales")
    m = agg.metrics("queue:sales", "15m", at(5))
    assert (m["offered"], m["answered"], m["unknown_wait"]) == (1, 1, 1)
    assert (m["asa"], m["service_level"], m["max_wait"]) == (None, None, None)
    feed(CallQueued, 6, call_id="c2", queue="sales")
    feed(CallAnswered, 16, call_id="c2", agent="bob")
    m = agg.metrics("queue:sales", "15m", at(16))
    assert (m["asa"], m["service_level"]) == (10.0, 1.0)


def test_repeated_events_never_count_twice() -> None:
    agg, feed = setup()
    for _ in range(2):
        feed(CallQueued, 0, call_id="c1", queue="sales")
    for _ in range(2):
        feed(CallAnswered, 10, call_id="c1", agent="ann")
    for _ in range(2):
        feed(CallEnded, 70, call_id="c1")
    for _ in range(2):
        feed(CallWrapupEnded, 80, call_id="c1")
    feed(CallAbandoned, 90, call_id="c1")
    m = agg.metrics("tenant", "15m", at(90))
    assert (m["offered"], m["answered"], m["abandoned"], m["handled"]) == (1, 1, 0, 1)
    assert agg.counts_by_type()["call.answered"] == 2


def test_events_of_unknown_calls_create_nothing_negative() -> None:
    agg, feed = setup()
    feed(CallEnded, 0, call_id="ghost")
    feed(CallWrapupEnded, 0, call_id="ghost")
    feed(CallHold, 0, call_id="ghost")
    feed(CallTransferred, 0, call_id="ghost", to_queue="sales")
    m = agg.metrics("tenant", "15m", at(1))
    assert all(v is None or v >= 0 for v in m.values())
    assert (m["offered"], m["calls_waiting"], m["transfers"]) == (0, 0, 0)


def test_a_late_event_counts_at_aggregator_time_and_waits_use_event_times() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="sales")
    feed(AgentLogin, 400, agent="bob")  # aggregator time 400 s
    feed(CallAnswered, 30, call_id="c1", agent="ann")  # sent with 30 s, arrives late
    m = agg.metrics("tenant", "5m", at(400 + 299))
    assert (m["answered"], m["asa"]) == (1, 30.0)  # in the window of its arrival
    assert agg.metrics("tenant", "5m", at(400 + 300))["answered"] == 0


def test_abandoned_or_ended_while_waiting_and_left_queue_unknown_calls() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="sales")
    feed(CallEnded, 12, call_id="c1")  # caller hung up while waiting
    feed(CallLeftQueue, 20, call_id="c2", reason="overflow", queue="support")
    m = agg.metrics("tenant", "15m", at(20))
    assert (m["abandoned"], m["left_queue"], m["unknown_wait"]) == (1, 1, 1)


def test_left_queue_then_queued_again_is_a_second_visit() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="sales")
    feed(CallLeftQueue, 30, call_id="c1", reason="overflow")
    feed(CallQueued, 30, call_id="c1", queue="support")
    feed(CallAnswered, 40, call_id="c1", agent="ann")
    assert agg.metrics("queue:sales", "15m", at(40))["left_queue"] == 1
    m = agg.metrics("queue:support", "15m", at(40))
    assert (m["answered"], m["asa"]) == (1, 10.0)
    facts = [f for f in agg.drain_facts() if isinstance(f, CallFact)]
    assert [(f.outcome, f.queue) for f in facts] == [("left_queue", "sales")]


# ---------------------------------------------------------------- transfers, hold, expiry


def test_transfer_of_a_talking_call_to_a_queue_counts_once_and_splits_the_legs() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="sales")
    feed(CallAnswered, 10, call_id="c1", agent="ann")
    feed(CallTransferred, 70, call_id="c1", to_queue="support")
    assert state(agg, "ann", 70) == ("available", None)
    m = agg.metrics("queue:support", "live", at(70))
    assert m["calls_waiting"] == 1
    feed(CallAnswered, 100, call_id="c1", agent="cid")
    feed(CallEnded, 130, call_id="c1")  # support: no wrap-up
    t = agg.metrics("tenant", "15m", at(130))
    assert (t["offered"], t["answered"], t["transfers"], t["handled"]) == (1, 1, 1, 1)
    assert t["talk_time"] == 90.0
    assert agg.metrics("queue:sales", "15m", at(130))["transfers"] == 1
    assert agg.metrics("queue:support", "15m", at(130))["answered"] == 0
    ann = agg.metrics("agent:ann", "15m", at(130))
    cid = agg.metrics("agent:cid", "15m", at(130))
    assert (ann["transfers"], ann["handled"], ann["talk_time"]) == (1, 1, 60.0)
    assert (cid["answered"], cid["handled"], cid["talk_time"]) == (0, 1, 30.0)


def test_transfer_to_an_agent_hands_the_call_over_at_once() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="support")
    feed(CallAnswered, 10, call_id="c1", agent="ann")
    feed(CallTransferred, 40, call_id="c1", to_agent="bob")
    feed(CallTransferred, 41, call_id="c1", to_agent="bob")  # repeated: ignored
    assert state(agg, "bob", 40) == ("on_call", None)
    assert agg.metrics("tenant", "15m", at(41))["transfers"] == 1


def test_transfer_of_a_waiting_call_moves_it_between_queues() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="sales")
    feed(CallTransferred, 20, call_id="c1", to_queue="support")
    assert agg.metrics("queue:sales", "live", at(20))["calls_waiting"] == 0
    m = agg.metrics("queue:support", "live", at(25))
    assert (m["calls_waiting"], m["longest_wait"]) == (1, 25.0)  # the wait goes on
    feed(CallAnswered, 30, call_id="c1", agent="ann")
    m = agg.metrics("queue:support", "15m", at(30))
    assert (m["answered"], m["asa"]) == (1, 30.0)
    assert agg.metrics("queue:sales", "15m", at(30))["transfers"] == 1


def test_hold_time_counts_into_handle_time_and_an_open_hold_closes_at_the_end() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="support")
    feed(CallAnswered, 0, call_id="c1", agent="ann")
    feed(CallHold, 10, call_id="c1")
    feed(CallResumed, 40, call_id="c1")
    feed(CallHold, 50, call_id="c1")
    feed(CallEnded, 60, call_id="c1")
    m = agg.metrics("tenant", "15m", at(60))
    assert (m["hold_time"], m["talk_time"], m["aht"]) == (40.0, 20.0, 60.0)


def test_hold_never_exceeds_the_leg() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="support")
    feed(CallAnswered, 100, call_id="c1", agent="ann")
    feed(CallHold, 50, call_id="c1")  # sent with a time before the answer
    feed(CallEnded, 110, call_id="c1")
    m = agg.metrics("tenant", "15m", at(200))
    assert (m["hold_time"], m["talk_time"]) == (10.0, 0.0)


def test_calls_that_never_end_expire_and_release_queue_and_agent() -> None:
    agg, feed = setup(max_call_age_s=3600)
    feed(CallQueued, 0, call_id="waits", queue="sales")
    feed(CallQueued, 0, call_id="talks", queue="sales")
    feed(CallAnswered, 10, call_id="talks", agent="ann")
    agg.advance(at(3599))
    assert agg.metrics("queue:sales", "live", at(3599))["calls_waiting"] == 1
    agg.advance(at(3600))
    m = agg.metrics("queue:sales", "60m", at(3600))
    assert (m["expired"], m["calls_waiting"], m["answered"], m["handled"]) == (2, 0, 1, 0)
    assert state(agg, "ann", 3600) == ("available", None)
    assert agg.metrics("agent:ann", "60m", at(3600))["expired"] == 1
    facts = [f for f in agg.drain_facts() if isinstance(f, CallFact)]
    assert sorted((f.call_id, f.outcome, f.finished_ms) for f in facts) == [
        ("talks", "expired", at(3600)),
        ("waits", "expired", at(3600)),
    ]


def test_expiry_also_happens_when_a_later_event_arrives() -> None:
    agg, feed = setup(max_call_age_s=60)
    feed(CallQueued, 0, call_id="c1", queue="sales")
    feed(AgentLogin, 500, agent="ann")
    m = agg.metrics("tenant", "15m", at(500))
    assert (m["expired"], m["calls_waiting"]) == (1, 0)


def test_outbound_calls_are_handled_not_offered() -> None:
    agg, feed = setup()
    feed(CallDialed, 0, call_id="o1", agent="ann")
    assert state(agg, "ann", 0) == ("on_call", None)
    feed(CallConnected, 10, call_id="o1", agent="ann")
    feed(CallEnded, 70, call_id="o1")
    feed(CallWrapupEnded, 80, call_id="o1")
    feed(CallDialed, 100, call_id="o2", agent="ann")
    feed(CallEnded, 120, call_id="o2")  # never connected
    m = agg.metrics("agent:ann", "15m", at(120))
    assert (m["offered"], m["handled"], m["aht"], m["time_on_call"]) == (0, 1, 70.0, 90.0)
    facts = sorted((f.call_id, f.outcome) for f in agg.drain_facts() if isinstance(f, CallFact))
    assert facts == [("o1", "answered"), ("o2", "no_answer")]


def test_an_outbound_call_for_a_queue_counts_its_handle_time_there() -> None:
    agg, feed = setup()
    feed(CallConnected, 0, call_id="o1", agent="ann", queue="campaign")
    feed(CallEnded, 60, call_id="o1")
    feed(CallWrapupEnded, 75, call_id="o1")
    m = agg.metrics("queue:campaign", "15m", at(75))
    assert (m["offered"], m["handled"], m["aht"]) == (0, 1, 75.0)


# ---------------------------------------------------------------- sales and surveys


def test_deals_and_surveys_are_attributed_through_the_call() -> None:
    agg, feed = setup()
    answered_call(feed, "c1", "ann", "support", 0)
    answered_call(feed, "c2", "bob", "support", 0)
    feed(DealClosed, 80, agent="ann", amount=100.10, call_id="c1")
    feed(DealClosed, 81, agent="ann", amount=0.2)
    feed(CsatSubmitted, 90, score=5, call_id="c1")
    feed(CsatSubmitted, 91, score=2, call_id="c2")
    q = agg.metrics("queue:support", "15m", at(100))
    assert (q["deals"], q["revenue"], q["conversion"]) == (1, 100.1, 0.5)
    assert (q["csat_responses"], q["csat_mean"], q["csat_satisfied"]) == (2, 3.5, 0.5)
    ann = agg.metrics("agent:ann", "15m", at(100))
    assert (ann["deals"], ann["revenue"], ann["average_deal"], ann["conversion"]) == (
        2,
        100.3,
        100.3 / 2,
        2.0,
    )
    assert agg.metrics("team:red", "15m", at(100))["csat_mean"] == 3.5
    deals = [f for f in agg.drain_facts() if isinstance(f, DealFact)]
    assert [(d.queue, d.amount) for d in deals] == [("support", 100.1), (None, 0.2)]


# ---------------------------------------------------------------- windows


def test_rolling_windows_are_exact_at_their_edges() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="sales")
    feed(CallAnswered, 10, call_id="c1", agent="ann")
    edge = at(10) + 300_000
    assert agg.metrics("tenant", "5m", edge - 1)["answered"] == 1
    assert agg.metrics("tenant", "5m", edge)["answered"] == 0
    assert agg.metrics("tenant", "15m", edge)["answered"] == 1


def test_max_wait_slides_out_of_the_window() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="long", queue="sales")
    feed(CallAnswered, 100, call_id="long", agent="ann")
    feed(CallQueued, 200, call_id="short", queue="sales")
    feed(CallAnswered, 205, call_id="short", agent="bob")
    assert agg.metrics("tenant", "5m", at(300))["max_wait"] == 100.0
    assert agg.metrics("tenant", "5m", at(400))["max_wait"] == 5.0
    assert agg.metrics("tenant", "5m", at(600))["max_wait"] is None
    assert agg.metrics("tenant", "today", at(600))["max_wait"] == 100.0


def test_longest_wait_grows_with_the_clock() -> None:
    agg, feed = setup()
    feed(CallQueued, 0, call_id="c1", queue="sales")
    feed(CallQueued, 5, call_id="c2", queue="support")
    assert agg.metrics("queue:sales", "live", at(30))["longest_wait"] == 30.0
    m = agg.metrics("tenant", "live", at(60))
    assert (m["calls_waiting"], m["longest_wait"]) == (2, 60.0)
    assert agg.metrics("queue:nobody", "live", at(60)) == {
        "calls_waiting": 0,
        "longest_wait": 0.0,
        "unreturned": 0,
    }


def local_ms(tz: str, *args: int, fold: int = 0) -> int:
    y, mo, d, h, mi, sec = args
    return int(datetime(y, mo, d, h, mi, sec, tzinfo=ZoneInfo(tz), fold=fold).timestamp() * 1000)


def test_today_resets_exactly_at_local_midnight() -> None:
    agg = TenantAggregator(cfg(timezone="America/New_York"))
    feed = Feed(agg)
    before = local_ms("America/New_York", 2024, 3, 9, 23, 59, 59) + 999
    midnight = local_ms("America/New_York", 2024, 3, 10, 0, 0, 0)
    for cid, ts in (("late", before), ("early", midnight)):
        agg.apply(CallQueued(id=f"q{cid}", ts=ts - 1000, call_id=cid, queue="sales"))
        agg.apply(CallAnswered(id=f"a{cid}", ts=ts, call_id=cid, agent="ann"))
    assert agg.metrics("tenant", "today", midnight - 1)["answered"] == 1
    assert agg.metrics("tenant", "today", midnight)["answered"] == 1
    assert agg.metrics("tenant", "15m", midnight)["answered"] == 2
    noon = local_ms("America/New_York", 2024, 3, 10, 12, 0, 0)
    assert agg.metrics("tenant", "today", noon)["answered"] == 1
    assert agg.metrics("tenant", "today", noon + 12 * 3_600_000)["answered"] == 0
    del feed


def test_today_on_a_dst_day_has_its_real_length() -> None:
    agg = TenantAggregator(cfg())
    start = local_ms("Europe/Warsaw", 2024, 3, 30, 23, 0, 0)
    agg.apply(AgentLogin(id="l", ts=start, agent="ann"))
    end_of_day = local_ms("Europe/Warsaw", 2024, 4, 1, 0, 0, 0) - 1
    agg.advance(end_of_day)
    m = agg.metrics("agent:ann", "today", end_of_day)
    assert m["time_available"] == (23 * 3600 * 1000 - 1) / 1000  # 31 March 2024 has 23 hours


def test_interval_is_the_local_quarter_hour_also_in_the_repeated_hour() -> None:
    agg = TenantAggregator(cfg(timezone="America/New_York"))
    first = local_ms("America/New_York", 2024, 11, 3, 1, 50, 0)  # EDT
    second = local_ms("America/New_York", 2024, 11, 3, 1, 5, 0, fold=1)  # EST, 15 min later
    agg.apply(CallQueued(id="1", ts=first, call_id="a", queue="sales"))
    agg.apply(CallAnswered(id="2", ts=first, call_id="a", agent="ann"))
    assert agg.metrics("tenant", "interval", first + 60_000)["answered"] == 1
    agg.apply(CallQueued(id="3", ts=second, call_id="b", queue="sales"))
    agg.apply(CallAnswered(id="4", ts=second, call_id="b", agent="ann"))
    assert agg.metrics("tenant", "interval", second)["answered"] == 1
    assert agg.metrics("tenant", "today", second)["answered"] == 2


# ---------------------------------------------------------------- API surface


def test_events_at_the_epoch_count_like_any_other() -> None:
    agg = TenantAggregator(cfg(timezone="UTC"))
    agg.apply(CallQueued(id="q", ts=0, call_id="c1", queue="sales"))
    agg.apply(CallAnswered(id="a", ts=0, call_id="c1", agent="ann"))
    assert agg.metrics("tenant", "today", 1000)["answered"] == 1
    assert agg.clock_ms == 0


def test_scopes_board_and_bad_arguments() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "sales", 0)
    assert agg.scopes() == ["tenant", "queue:sales", "team:red", "agent:ann"]
    (row,) = agg.agent_board(at(80), team="red")
    assert (row.name, row.state, row.call_id, row.call_queue) == ("Ann A.", "wrapup", "c1", "sales")
    assert agg.agent_board(at(80), team="blue") == []
    assert [r.agent for r in agg.agent_board(at(80), queue="sales")] == ["ann"]
    assert agg.agent_board(at(80), queue="support") == []
    with pytest.raises(ValueError, match="unknown scope"):
        agg.metrics("floor:1", "5m", at(80))
    with pytest.raises(ValueError, match="unknown window"):
        agg.metrics("tenant", "2h", at(80))
    assert agg.metrics("agent:nobody", "5m", at(80))["answered"] == 0


def test_snapshot_holds_every_scope_and_window() -> None:
    agg, feed = setup()
    answered_call(feed, "c1", "ann", "sales", 0)
    snap = agg.snapshot(at(80))
    assert list(snap) == agg.scopes()
    assert snap["queue:sales"]["15m"] == agg.metrics("queue:sales", "15m", at(80))
    assert set(snap["tenant"]) == {"5m", "15m", "60m", "today", "interval"}


def test_set_config_moves_an_agent_to_its_new_team_from_now_on() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    feed(AgentLogin, 0, agent="cid")
    agg.set_config(cfg(agent_teams={"ann": "blue", "cid": "blue"}))
    assert agg.metrics("team:red", "live", at(0))["agents_logged_in"] == 0
    assert agg.metrics("team:blue", "live", at(0))["agents_logged_in"] == 2
    feed(AgentState, 100, agent="ann", state="break", reason="lunch")
    assert agg.metrics("team:blue", "15m", at(200))["time_break"] == 100.0
    assert agg.metrics("team:red", "15m", at(200))["time_break"] == 0.0


def test_facts_have_stable_ids_so_replays_are_idempotent() -> None:
    def run() -> list[Fact]:
        agg, feed = setup()
        feed(AgentLogin, 0, agent="ann")
        answered_call(feed, "c1", "ann", "sales", 0)
        feed(CallWrapupEnded, 90, call_id="c1")
        feed(CsatSubmitted, 95, score=4, call_id="c1")
        return agg.drain_facts()

    first, second = run(), run()
    assert first == second
    ids = [f.fact_id for f in first]
    assert len(ids) == len(set(ids))
    kinds = {type(f) for f in first}
    assert AgentStateFact in kinds
    assert CallFact in kinds


def test_dump_and_load_continue_exactly() -> None:
    agg, feed = setup()
    feed(AgentLogin, 0, agent="ann")
    answered_call(feed, "c1", "ann", "sales", 0)
    feed(CallQueued, 75, call_id="c2", queue="sales")
    restored = TenantAggregator.load(agg.dump(), cfg())
    assert restored.dump() == agg.dump()
    for target in (agg, restored):
        target.apply(CallAnswered(id="x", ts=at(95), call_id="c2", agent="ann"))
    for window in ("5m", "today", "live"):
        assert restored.metrics("tenant", window, at(100)) == agg.metrics("tenant", window, at(100))
    assert restored.drain_facts() == agg.drain_facts()
    current = b"version" + bytes([VERSION])
    assert current in agg.dump()
    with pytest.raises(ValueError, match="checkpoint format version"):
        TenantAggregator.load(agg.dump().replace(current, b"version\x09"), cfg())
