"""The call-back list, case by case (issue 16's "done when"); tests/streams/
test_aggregator_reference.py checks it against the plain reference on generated streams."""

from __future__ import annotations

from typing import Any

import msgspec

from app.events.schemas import (
    CallAbandoned,
    CallAnswered,
    CallbackDismissed,
    CallConnected,
    CallDialed,
    CallEnded,
    CallLeftQueue,
    CallQueued,
    Event,
)
from app.streams.aggregator import QueueConfig, TenantAggregator, TenantConfig

T0 = 1_700_000_000_000
CONFIG = TenantConfig(
    tenant_id=1,
    country_code="48",
    queues={"sales": QueueConfig(short_abandon_s=5)},
    callback_expiry_s=3600,
)


def at(s: float) -> int:
    return T0 + int(s * 1000)


class Feed:
    def __init__(self, config: TenantConfig = CONFIG) -> None:
        self.agg = TenantAggregator(config)
        self.n = 0

    def __call__(self, cls: type[Event], s: float, **fields: Any) -> None:
        self.n += 1
        self.agg.apply(cls(id=f"e{self.n}", ts=at(s), **fields))

    def miss(
        self, call: str, s: float, caller: str, wait: float = 30, queue: str = "sales"
    ) -> None:
        self(CallQueued, s, call_id=call, queue=queue, caller=caller)
        self(CallAbandoned, s + wait, call_id=call)

    def rows(self, s: float) -> list[dict[str, Any]]:
        return [msgspec.structs.asdict(e) for e in self.agg.callback_entries(at(s))]


def test_two_misses_are_one_entry_that_leaves_when_the_call_back_connects() -> None:
    feed = Feed()
    feed.miss("c1", 0, "+48 601 234 567")
    feed.miss("c2", 100, "0601234567")  # the same caller, dialling the national number
    feed(CallDialed, 200, call_id="o1", agent="a1", caller="+48601234567")
    feed(CallEnded, 220, call_id="o1")  # no answer: an attempt
    [entry] = feed.rows(230)
    assert (entry["number"], entry["misses"], entry["attempts"]) == ("+48601234567", 2, 1)
    assert (entry["first_missed"], entry["last_missed"], entry["status"]) == (
        at(30),
        at(130),
        "open",
    )
    assert feed.agg.metrics("queue:sales", "live", at(230))["unreturned"] == 1
    feed(CallDialed, 300, call_id="o2", agent="a1", caller="0601 234 567")
    feed(CallConnected, 310, call_id="o2", agent="a1")
    [entry] = feed.rows(320)
    assert (entry["status"], entry["closed_at"], entry["callback_ms"]) == (
        "returned_by_us",
        at(310),
        at(310) - at(130),
    )
    m = feed.agg.metrics("queue:sales", "60m", at(320))
    assert m["unreturned"] == 0
    assert (m["missed_callers"], m["callbacks_made"], m["callback_rate"]) == (1, 1, 1.0)
    assert m["time_to_callback"] == 180.0


def test_a_caller_who_calls_again_and_is_answered_leaves_as_called_again() -> None:
    feed = Feed()
    feed.miss("c1", 0, "+48601234567")
    feed(CallQueued, 600, call_id="c2", queue="support", caller="+48601234567")
    assert feed.rows(610)[0]["status"] == "open"  # waiting is not reached
    feed(CallAnswered, 620, call_id="c2", agent="a1")
    [entry] = feed.rows(630)
    assert (entry["status"], entry["closed_at"], entry["callback_ms"]) == (
        "called_again",
        at(620),
        None,
    )
    m = feed.agg.metrics("tenant", "60m", at(630))
    assert (m["callbacks_made"], m["callback_rate"], m["time_to_callback"]) == (0, 0.0, None)


def test_a_short_abandon_never_enters_and_a_left_queue_does() -> None:
    feed = Feed()
    feed.miss("c1", 0, "+48601234567", wait=4.9)  # under the queue's 5 s
    assert feed.rows(10) == []
    assert feed.agg.metrics("tenant", "live", at(10))["unreturned"] == 0
    feed(CallQueued, 20, call_id="c2", queue="sales", caller="+48601234568")
    feed(CallLeftQueue, 21, call_id="c2", reason="timeout")
    assert [r["number"] for r in feed.rows(30)] == ["+48601234568"]


def test_callers_without_a_number_or_withheld_never_enter() -> None:
    feed = Feed()
    feed.miss("c1", 0, "anonymous")
    feed(CallQueued, 10, call_id="c2", queue="sales")
    feed(CallAbandoned, 60, call_id="c2")
    feed(CallAbandoned, 70, call_id="c3", queue="sales")  # never queued: no number known
    assert feed.rows(80) == []


def test_an_entry_expires_after_the_configured_time_since_its_last_miss() -> None:
    feed = Feed()
    feed.miss("c1", 0, "+48601234567")
    feed.miss("c2", 1800, "+48601234567")
    feed.agg.advance(at(1830 + 3599))
    assert feed.rows(1830 + 3599)[0]["status"] == "open"
    feed.agg.advance(at(1830 + 3600))
    [entry] = feed.rows(1830 + 3600)
    assert (entry["status"], entry["closed_at"]) == ("expired", at(1830 + 3600))
    m = feed.agg.metrics("tenant", "60m", at(1830 + 3600))
    assert (m["missed_callers"], m["callbacks_made"], m["callback_rate"]) == (0, 0, None)
    m = feed.agg.metrics("tenant", "today", at(1830 + 3600))  # it opened today: not returned
    assert (m["missed_callers"], m["callbacks_made"], m["callback_rate"]) == (1, 0, 0.0)


def test_the_call_back_rate_is_the_share_of_the_window_s_missed_callers_returned_so_far() -> None:
    """Of the entries opened in the window (less those dismissed), the share called back by
    now, however late; a call-back of a caller missed before the window counts in
    `callbacks_made` but not in the window's rate. A queue's rate counts an entry in the queue
    of its first miss, where `missed_callers` counted it."""
    feed = Feed()
    feed.miss("c1", 0, "+48601000001")  # first miss at 30 s
    feed.miss("c2", 1000, "+48601000002")  # at 1030 s
    feed.miss("c3", 1100, "+48601000003")
    feed.miss("c4", 1200, "+48601000004")
    feed.miss("c5", 1300, "+48601000002", queue="support")  # c2's caller again, elsewhere
    m = feed.agg.metrics("tenant", "60m", at(1400))
    assert (m["missed_callers"], m["callback_rate"]) == (4, 0.0)
    ids = {r["number"]: r["id"] for r in feed.rows(1400)}
    feed(CallbackDismissed, 1500, callback_id=ids["+48601000004"], reason="spam")
    feed(CallDialed, 1600, call_id="o1", agent="a1", caller="+48601000002")
    feed(CallConnected, 1610, call_id="o1", agent="a1")
    feed(CallDialed, 3400, call_id="o2", agent="a1", caller="+48601000001")
    feed(CallConnected, 3500, call_id="o2", agent="a1")  # c1's caller, missed at 30 s
    m = feed.agg.metrics("tenant", "60m", at(3640))
    # opened in (40 s, 3640 s]: c2, c3, c4; c4 dismissed; c2 called back -> 1 / (3 - 1)
    assert (m["missed_callers"], m["callbacks_made"], m["callback_rate"]) == (3, 2, 0.5)
    today = feed.agg.metrics("tenant", "today", at(3640))
    assert (today["missed_callers"], today["callback_rate"]) == (4, 2 / 3)
    sales = feed.agg.metrics("queue:sales", "60m", at(3640))
    support = feed.agg.metrics("queue:support", "60m", at(3640))
    assert (sales["missed_callers"], sales["callback_rate"]) == (3, 0.5)
    assert (support["missed_callers"], support["callbacks_made"]) == (0, 1)
    assert support["callback_rate"] is None  # c2 opened in sales: support missed nobody new
    restored = TenantAggregator.load(feed.agg.dump(), CONFIG)
    for scope in ("tenant", "queue:sales", "queue:support"):
        for window in ("15m", "60m", "today", "interval"):
            assert restored.metrics(scope, window, at(3640)) == feed.agg.metrics(
                scope, window, at(3640)
            ), (scope, window)
    later = feed.agg.metrics("tenant", "60m", at(1030 + 3600))  # c2's first miss leaves
    assert (later["missed_callers"], later["callback_rate"]) == (2, 0.0)


def test_a_dismissed_entry_keeps_its_reason_and_a_new_miss_opens_a_new_entry() -> None:
    feed = Feed()
    feed.miss("c1", 0, "+48601234567")
    [entry] = feed.rows(40)
    feed(CallbackDismissed, 50, callback_id=entry["id"], reason="wrong number")
    feed(CallbackDismissed, 51, callback_id=entry["id"], reason="again")  # ignored
    feed(CallbackDismissed, 52, callback_id=999, reason="unknown id")  # ignored
    [entry] = feed.rows(60)
    assert (entry["status"], entry["reason"]) == ("dismissed", "wrong number")
    feed.miss("c2", 100, "+48601234567")
    rows = feed.rows(140)
    assert [(r["id"], r["status"]) for r in rows] == [(1, "dismissed"), (2, "open")]


def test_closed_entries_are_listed_for_a_day() -> None:
    feed = Feed()
    feed.miss("c1", 0, "+48601234567")
    feed(CallDialed, 100, call_id="o1", agent="a1", caller="+48601234567")
    feed(CallConnected, 110, call_id="o1", agent="a1")
    assert len(feed.rows(110 + 86_399)) == 1
    assert feed.rows(110 + 86_400) == []


def test_a_restart_from_a_checkpoint_keeps_the_list_exact() -> None:
    feed, twin = Feed(), Feed()
    for f in (feed, twin):
        f.miss("c1", 0, "+48601234567")
        f.miss("c2", 10, "+48601234500")
        f(CallDialed, 100, call_id="o1", agent="a1", caller="+48601234567")
    restored = TenantAggregator.load(feed.agg.dump(), CONFIG)
    assert restored.dump() == feed.agg.dump()
    feed.agg = restored
    for f in (feed, twin):
        f(CallEnded, 120, call_id="o1")
        f.miss("c3", 200, "+48601234500")
        f.agg.advance(at(230 + 3600))
    assert feed.rows(4000) == twin.rows(4000)
    assert feed.agg.dump() == twin.agg.dump()
    assert [(r["status"], r["attempts"], r["misses"]) for r in feed.rows(4000)] == [
        ("expired", 1, 1),
        ("expired", 0, 2),
    ]


def test_an_older_checkpoint_without_the_list_still_reads() -> None:
    from app.streams.aggregator.checkpoint import MachineState

    feed = Feed()
    feed.miss("c1", 0, "+48601234567")
    state = msgspec.msgpack.decode(feed.agg.dump(), type=MachineState)
    older = msgspec.msgpack.encode(msgspec.structs.replace(state, callbacks=None))
    older_dict = msgspec.msgpack.decode(older)
    del older_dict["callbacks"]
    restored = TenantAggregator.load(msgspec.msgpack.encode(older_dict), CONFIG)
    assert restored.callback_entries(at(40)) == []
    assert restored.metrics("tenant", "live", at(40))["unreturned"] == 0


def test_an_expiry_shorter_than_an_interval_happens_on_time_and_survives_a_restart() -> None:
    config = TenantConfig(tenant_id=1, callback_expiry_s=120)
    assert (at(100) % 900_000, at(1000) % 900_000) == (0, 0)  # no boundary in between
    feed, twin = Feed(config), Feed(config)
    for f in (feed, twin):
        f.miss("c1", 100, "+48601234567")  # missed at 130 s: expires at 250 s
    feed.agg = TenantAggregator.load(feed.agg.dump(), config)
    for f in (feed, twin):
        f(CallDialed, 300, call_id="o1", agent="a1", caller="+48601234567")
        f(CallConnected, 310, call_id="o1", agent="a1")
    for f in (feed, twin):
        [entry] = f.rows(400)
        assert (entry["status"], entry["closed_at"]) == ("expired", at(250))
    assert feed.agg.dump() == twin.agg.dump()
