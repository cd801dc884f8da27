"""Checkpoints keep what they encoded on each ledger (checkpoint._records) and encode only new
records the next time: whatever happened in between (records added, old ones pruned past what
was encoded, totals growing a byte wider), the bytes equal a fresh encoding."""

from __future__ import annotations

from app.streams.aggregator.checkpoint import _records
from app.streams.aggregator.ledgers import Counters, StateTime, field


def fresh(led: Counters) -> Counters:
    copy = Counters()
    copy.times, copy.totals, copy.dropped = list(led.times), list(led.totals), led.dropped
    return copy


def check(led: Counters, start: int) -> None:
    assert _records(led, start) == _records(fresh(led), start)


def test_counters_kept_encoded_equal_a_fresh_encoding() -> None:
    led = Counters()
    t = 0
    for _ in range(100):
        t += 10
        led.add(t, field(0) + field(1) * 7)
    check(led, 0)
    for _ in range(50):  # new records only
        t += 10
        led.add(t, field(0))
    check(led, 20)
    led.prune(t - 100)  # within what was encoded
    check(led, 0)
    for _ in range(300):  # not encoded, then pruned past the end of what was
        t += 10
        led.add(t, field(0))
    led.prune(t - 50)
    assert led.dropped > 150
    check(led, 0)
    led.add(t + 1, field(3) << 40)  # the totals grow wider: every record is encoded again
    check(led, 1)
    assert led.enc is not None
    assert led.enc.width > 24


def test_state_time_kept_encoded_equals_a_fresh_encoding() -> None:
    st = StateTime()
    for t in range(0, 5000, 10):
        st.move(t, field(t // 10 % 5))
        if t % 700 == 0:
            _records(st, 0)
        if t % 1900 == 0:
            st.prune(t - 300)
    copy = StateTime()
    copy.times, copy.totals, copy.dropped = list(st.times), list(st.totals), st.dropped
    assert _records(st, 3) == _records(copy, 3)
