"""The call-back list survives a take-over on the redis engine: a worker restores the
partition from the last checkpoint, replays the tail, and ends with exactly the list (and the
whole state) of an aggregator that never stopped."""

from __future__ import annotations

from typing import Any

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
from app.streams.aggregator import TenantAggregator
from app.streams.keys import Keys
from app.streams.redis_log import RedisLog
from tests.helpers import make_tenant_key, now_ms
from tests.reliability.one_partition import one_partition

A, B, C = "+48601000001", "+48601000002", "+48601000003"


def before(base: int) -> list[Event]:
    """Three callers on the list; one call-back attempt that fails."""
    n = iter(range(1000))

    def e(cls: type[Event], s: int, **f: Any) -> Event:
        return cls(id=f"x{next(n)}", ts=base + s * 1000, **f)

    return [
        e(CallQueued, 0, call_id="c1", queue="Sales", caller=A),
        e(CallAbandoned, 30, call_id="c1"),
        e(CallQueued, 40, call_id="c2", queue="Sales", caller=B),
        e(CallLeftQueue, 100, call_id="c2", reason="timeout"),
        e(CallQueued, 110, call_id="c3", queue="Support", caller=C),
        e(CallAbandoned, 150, call_id="c3"),
        e(CallQueued, 160, call_id="c4", queue="Sales", caller=A),
        e(CallAbandoned, 200, call_id="c4"),
        e(CallDialed, 210, call_id="o1", agent="a1", caller=B),
        e(CallEnded, 230, call_id="o1"),
    ]


def after(base: int) -> list[Event]:
    """A is called back, C calls again and is answered, B is dismissed; a short abandon."""
    n = iter(range(1000))

    def e(cls: type[Event], s: int, **f: Any) -> Event:
        return cls(id=f"y{next(n)}", ts=base + s * 1000, **f)

    return [
        e(CallDialed, 300, call_id="o2", agent="a1", caller=A),
        e(CallConnected, 320, call_id="o2", agent="a1"),
        e(CallQueued, 330, call_id="c5", queue="Support", caller=C),
        e(CallAnswered, 340, call_id="c5", agent="a2"),
        e(CallbackDismissed, 350, callback_id=2, reason="wrong number"),
        e(CallQueued, 360, call_id="c6", queue="Sales", caller="+48601000009"),
        e(CallAbandoned, 361, call_id="c6"),
    ]


async def test_a_take_over_from_a_checkpoint_keeps_the_list_exact(
    sqlite_url: str, redis_url: str, redis_prefix: str
) -> None:
    tenant, _ = await make_tenant_key(sqlite_url)
    base = now_ms() - 3_600_000
    async with one_partition(sqlite_url, redis_url, redis_prefix) as setup:
        keys = Keys(setup.settings.redis_prefix)
        log = RedisLog(setup.redis, keys, 1, setup.settings.dedup_retention_s * 1000)
        first = setup.worker()
        await first._acquire()
        await log.append(tenant, before(base))
        while await first.consume_once(block_ms=10):
            pass
        assert await first._checkpoint_partition(first.owned[0])
        await log.append(tenant, after(base))  # the first worker dies before reading these
        await setup.redis.delete(keys.lease(0))

        second = setup.worker()
        await second._acquire()
        while await second.consume_once(block_ms=10):
            pass
        taken: TenantAggregator = second.owned[0].host.aggregators[tenant]

    never_stopped = TenantAggregator(taken.config)
    never_stopped.apply_batch([*before(base), *after(base)])
    at = base + 400_000
    rows = [(e.id, e.number, e.status, e.misses, e.attempts) for e in taken.callback_entries(at)]
    assert rows == [
        (1, A, "returned_by_us", 2, 0),
        (2, B, "dismissed", 1, 1),
        (3, C, "called_again", 1, 0),
    ]
    assert taken.callback_entries(at) == never_stopped.callback_entries(at)
    for scope in ("tenant", "queue:Sales", "queue:Support"):
        assert taken.metrics(scope, "60m", at) == never_stopped.metrics(scope, "60m", at)
    taken.drain_facts()
    never_stopped.drain_facts()
    assert taken.dump() == never_stopped.dump()
