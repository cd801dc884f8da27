"""The simulator's transcript segments: the same calls with or without them, and through the
aggregator with the demo's phrase lists they show script adherence, cancellation signals,
negative sentiment and banned promises."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from app.events.schemas import CallTranscript
from app.integrations.simulation import SimConfig, Simulator
from app.integrations.simulation.transcripts import DEMO_PHRASE_LISTS
from app.phrases.schemas import PhraseListIn
from app.streams.aggregator import TenantAggregator, TenantConfig
from app.streams.aggregator.phrase_lists import PhraseListConfig

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
HOURS = 4


def run(transcripts: bool) -> list[msgspec.Struct]:
    sim = Simulator(SimConfig(start=START, teams=2, agents_per_team=6, transcripts=transcripts))
    return list(sim.run_until(sim.start_ms + HOURS * 3_600_000))


def test_transcripts_leave_the_calls_unchanged() -> None:
    with_text = run(True)
    without = run(False)
    assert [e for e in with_text if not isinstance(e, CallTranscript)] == without
    segments = [e for e in with_text if isinstance(e, CallTranscript)]
    assert len(segments) > 100
    assert {s.language for s in segments} == {"pl-PL", "en-GB"}
    assert {s.role for s in segments} == {"agent", "customer"}
    assert len({s.id for s in segments}) == len(segments)


def test_the_demo_lists_show_adherence_signals_sentiment_and_banned_promises() -> None:
    lists = tuple(
        PhraseListConfig(body.name, body.kind, body.role, tuple(body.phrases), body.within_s)
        for body in (PhraseListIn.model_validate(item) for item in DEMO_PHRASE_LISTS)
    )
    agg = TenantAggregator(TenantConfig(tenant_id=1, phrase_lists=lists))
    events = run(True)
    agg.apply_batch(events)  # type: ignore[arg-type]
    today = agg.metrics("tenant", "today", events[-1].ts)  # type: ignore[attr-defined]
    for required in ("powitanie", "greeting"):
        adherence = today[f"script_adherence:{required}"]
        assert adherence is not None
        assert 0.2 < adherence < 0.6, (required, adherence)
    banned = today["banned_calls"]
    assert isinstance(banned, int)
    assert banned >= 1
    assert today["calls_with:rezygnacja"] > 10  # type: ignore[operator]
    negative = today["negative_sentiment_share"]
    assert negative is not None
    assert 0.1 < negative < 0.6
    assert any(hit.kind == "banned" for hit in agg.phrase_hits())
