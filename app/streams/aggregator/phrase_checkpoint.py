"""The phrase-spotting state in a checkpoint (one msgpack blob in `MachineState.phrases`),
canonical like the rest: stale per-call entries and segments past their retention are left out,
ledgers hold only what a window can reach."""

from __future__ import annotations

import msgspec

from app.streams.aggregator.checkpoint import LedgerState, _ledger, _loaded
from app.streams.aggregator.ledgers import Counters
from app.streams.aggregator.phrases import CallPhrases, HitRecord, PhraseScope, PhraseSpotter


class PhraseScopeState(msgspec.Struct, array_like=True):
    general: LedgerState
    lists: dict[str, LedgerState]


class PhraseState(msgspec.Struct):
    calls: list[CallPhrases]
    scopes: dict[str, PhraseScopeState]
    recent: list[HitRecord]
    seq: int


def dump_phrases(p: PhraseSpotter, clock: int, cutoff: int) -> bytes:
    if not p.scopes and not p.calls and not p.seq:
        return b""
    state = PhraseState(
        calls=[cp for cp in p.calls.values() if p.fresh(cp, clock)],
        scopes={
            key: PhraseScopeState(
                _ledger(sc.general, cutoff),
                {name: _ledger(led, cutoff) for name, led in sc.lists.items()},
            )
            for key, sc in p.scopes.items()
        },
        recent=p.kept_hits(clock),
        seq=p.seq,
    )
    return msgspec.msgpack.encode(state)


def _counters(s: LedgerState) -> Counters:
    led = _loaded(s)
    assert led is not None
    return led


def load_phrases(p: PhraseSpotter, data: bytes) -> None:
    if not data:
        return
    state = msgspec.msgpack.decode(data, type=PhraseState)
    p.calls = {cp.call_id: cp for cp in state.calls}
    for key, s in state.scopes.items():
        sc = p.scopes[key] = PhraseScope()
        sc.general = _counters(s.general)
        sc.lists = {name: _counters(ls) for name, ls in s.lists.items()}
    p.recent.extend(state.recent)
    p.seq = state.seq
