"""Phrase spotting in the aggregator agrees exactly with a plain reference (word-by-word
matching, raw records) on messy generated streams with transcript segments in Polish and
English, at many points in time; a restart from a checkpoint changes nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.events.schemas import CallTranscript
from app.streams.aggregator import LIVE, WINDOWS, TenantAggregator, TenantConfig
from app.streams.aggregator.phrase_lists import PhraseListConfig
from tests.streams.phrase_reference import PhraseReference
from tests.streams.scenarios import AGENTS, CALLS, Op, config, scenarios

ALL_WINDOWS = (*WINDOWS, LIVE)
LISTS = (
    PhraseListConfig("powitanie", "required", "agent", ("dzień dobry", "nazywam się*"), 20),
    PhraseListConfig("greeting", "required", "any", ("good morning", "my name is")),
    PhraseListConfig("obietnice", "banned", "agent", ("gwarantuj*", "i guarantee")),
    PhraseListConfig("rezygnacja", "signal", "customer", ("rezygn*", "cancel*", "zł")),
)
FRAGMENTS = (
    "Dzień dobry,", "dzien DOBRY", "nazywam się Anna", "Nazywam sie", "nazywamy", "dobry",
    "Gwarantuję!", "gwarantujemy", "gwarant", "rezygnuję", "zrezygnować", "rezygnacji",
    "Good morning", "good", "my name is", "My Name", "I guarantee", "cancel", "cancelled",
    "49,99 zł", "zl", "w czym mogę pomóc", "?",
)  # fmt: skip


def phrase_config(tz: str) -> TenantConfig:
    return msgspec.structs.replace(config(tz), phrase_lists=LISTS)


@st.composite
def transcript(draw: st.DrawFn, ts: int, n: int) -> CallTranscript:
    fields: dict[str, Any] = {
        "id": f"t{n}",
        "ts": ts,
        "call_id": draw(st.sampled_from(CALLS)),
        "role": draw(st.sampled_from(("agent", "customer"))),
        "text": " ".join(draw(st.lists(st.sampled_from(FRAGMENTS), max_size=4))),
        "offset_ms": draw(
            st.none() | st.integers(0, 30_000) | st.sampled_from((19_999, 20_000, 20_001))
        ),
        "agent": draw(st.none() | st.sampled_from(AGENTS)),
        "final": draw(st.sampled_from((True, True, True, False))),
        "sentiment": draw(st.sampled_from((None, None, "negative", "positive", "neutral"))),
    }
    return CallTranscript(**fields)


@st.composite
def phrase_scenarios(draw: st.DrawFn, max_events: int = 70) -> tuple[str, list[Op]]:
    """A call scenario with transcript segments of its calls slipped in between its events."""
    tz, ops = draw(scenarios(max_events=max_events))
    out: list[Op] = []
    n = 0
    for op in ops:
        out.append(op)
        if op.kind == "event" and op.event is not None:
            for _ in range(draw(st.integers(0, 3))):
                ts = op.event.ms + draw(
                    st.integers(-5_000, 30_000) | st.sampled_from((20_000, 20_001))
                )
                out.append(Op("event", event=draw(transcript(max(ts, 0), n))))
                n += 1
    return tz, out


def compare(agg: TenantAggregator, ref: PhraseReference, now: int) -> None:
    for scope in sorted(set(agg.scopes()) | ref.scope_names()):
        for window in ALL_WINDOWS:
            got = agg.metrics(scope, window, now)
            want = ref.metrics(scope, window, now)
            assert got == want, (scope, window, now, {k: (got.get(k), want.get(k))
                                                      for k in set(got) | set(want)
                                                      if got.get(k) != want.get(k)})  # fmt: skip
    hits = [(h.call_id, h.agent, h.team, h.queue, h.list, h.kind, h.phrase, h.role)
            for h in agg.phrase_hits()]  # fmt: skip
    want_hits = [tuple(vars(h).values()) for h in ref.hits[-len(hits) :]] if hits else []
    assert hits == want_hits
    assert len(hits) == min(len(ref.hits), 50)


def run(tz: str, ops: list[Op]) -> None:
    cfg = phrase_config(tz)
    agg = TenantAggregator(cfg)
    twin = TenantAggregator(cfg)
    ref = PhraseReference(cfg)
    for op in ops:
        if op.kind == "event":
            assert op.event is not None
            agg.apply(op.event)
            twin.apply_batch([op.event])
            ref.apply(op.event)
        elif op.kind == "advance":
            agg.advance(op.now_ms)
            twin.advance(op.now_ms)
            ref.advance(op.now_ms)
        elif op.kind == "restart":
            agg = TenantAggregator.load(agg.dump(), cfg)
            twin.dump()
        else:
            compare(agg, ref, op.now_ms)
            compare(twin, ref, op.now_ms)
    assert agg.dump() == twin.dump()
    assert agg.counts_by_type() == ref.counts
    assert Counter(agg.drain_facts()) == Counter(ref.facts)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phrase_scenarios())
def test_phrase_metrics_match_the_reference(case: tuple[str, list[Op]]) -> None:
    run(*case)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phrase_scenarios(max_events=250))
def test_phrase_metrics_match_the_reference_on_long_streams(case: tuple[str, list[Op]]) -> None:
    run(*case)
