"""Live views of the redis engine: what a partition's owner writes to Redis for the API
processes to serve.

A tenant's view is one Redis hash (`Keys.view`) with a field per part: `meta` (event counts),
`at` (the time the figures are for), `offset` (the log offset they include), `board` (the agent
board) and one `scope:SCOPE` field per
scope (every window of it). The owner writes only the fields whose
bytes changed since it last wrote them, and announces the tenant only when something other than
`at` changed.

Computing every scope of a big tenant on every tick is what a worker would otherwise spend its
time on (10,000 agents are 10,000 agent scopes and hundreds of teams, in six windows each, four
times a second), while a wall display reads a handful of them. So the tenant and its queues are
always written, and the other parts (team and agent scopes, the board) only while an API process
wants them: `RedisEngine` registers each part it is asked for in a sorted set (`Keys.wanted`,
score = until when, wall ms) and renews it while it is read. A tenant whose events did not
change is recomputed once a second under the wall clock (waits grow, windows slide), not at
every tick.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import msgspec

from app.streams.aggregator import LIVE, WINDOWS, TenantAggregator
from app.streams.aggregator.phrases import HitRecord

META: Final = "meta"
AT: Final = "at"
BOARD: Final = "board"
CALLBACKS: Final = "callbacks"
"""The call-back list (written while wanted, like the board)."""
DEALS: Final = "deals"
"""The deal list: stalled deals and recent wins (written while wanted, like the board)."""
OFFSET: Final = "offset"
"""The partition's log offset the view was computed at (written by the worker, not by
`compute_parts`): how far the tenant's numbers have got (`/v1/events/progress`)."""
PHRASE_HITS: Final = "phrase_hits"
"""The latest phrase hits (`TenantAggregator.phrase_hits`), written while there are any."""
SCOPE_PREFIX: Final = "scope:"
VIEW_WINDOWS: Final = (LIVE, *WINDOWS)
WANT_TTL_MS: Final = 60_000
"""A part is computed for this long after an API process last asked for it."""
IDLE_REFRESH_S: Final = 1.0
"""Under the wall clock a tenant without new events is recomputed this often."""


class ViewMeta(msgspec.Struct):
    counts: dict[str, int]


_encode = msgspec.msgpack.Encoder().encode
meta_decoder: Final = msgspec.msgpack.Decoder(ViewMeta)
at_decoder: Final = msgspec.msgpack.Decoder(int)
scope_decoder: Final = msgspec.msgpack.Decoder(dict[str, dict[str, float | int | None]])
board_decoder: Final = msgspec.msgpack.Decoder(list[dict[str, object]])
callbacks_decoder: Final = msgspec.msgpack.Decoder(list[dict[str, object]])
deals_decoder: Final = msgspec.msgpack.Decoder(list[dict[str, object]])
hits_decoder: Final = msgspec.msgpack.Decoder(list[HitRecord])


def scope_field(scope: str) -> str:
    return SCOPE_PREFIX + scope


def always_written(part: str) -> bool:
    """The tenant and queue scopes are written whether anyone asked or not (they are few and
    what wall displays show); every other part only while wanted."""
    return part == scope_field("tenant") or part.startswith(SCOPE_PREFIX + "queue:")


def compute_parts(agg: TenantAggregator, now_ms: int, wanted: Iterable[str]) -> dict[str, bytes]:
    """The encoded parts of one tenant's view: the ones always written plus `wanted`."""
    parts = {
        META: _encode(ViewMeta(counts=agg.counts_by_type())),
        AT: _encode(now_ms),
    }
    scopes = ["tenant", *(s for s in agg.scopes() if s.startswith("queue:"))]
    for part in wanted:
        if part == BOARD:
            parts[BOARD] = _encode(agg.agent_board(now_ms))
        elif part == CALLBACKS:
            parts[CALLBACKS] = _encode(agg.callback_rows(now_ms))
        elif part == DEALS:
            parts[DEALS] = _encode(agg.deal_rows(now_ms))
        elif part.startswith(SCOPE_PREFIX) and not always_written(part):
            scopes.append(part.removeprefix(SCOPE_PREFIX))
    hits = agg.phrase_hits(now_ms)
    if hits:
        parts[PHRASE_HITS] = _encode(hits)
    for scope in scopes:
        try:
            windows = {w: agg.metrics(scope, w, now_ms) for w in VIEW_WINDOWS}
        except ValueError:
            continue  # a malformed scope someone asked for: nothing to write
        parts[scope_field(scope)] = _encode(windows)
    return parts


class WrittenView:
    """What the owner last wrote for one tenant, to write only what changed."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}
        self.computed_at = 0.0

    def changes(self, parts: dict[str, bytes]) -> tuple[dict[str, bytes], list[str]]:
        """(parts to write, parts to delete: no longer wanted). Updates the record."""
        changed = {k: v for k, v in parts.items() if self.parts.get(k) != v}
        gone = [k for k in self.parts if k not in parts]
        self.parts = parts
        return changed, gone
