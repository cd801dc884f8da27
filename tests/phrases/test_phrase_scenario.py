"""The Polish and English transcript set through the aggregator: exact hits, calls, adherence,
banned calls, sentiment and the latest hits per scope, the same after restarts from checkpoints
at every point of the stream (what a worker taking a partition over does: load the checkpoint,
replay the tail)."""

from __future__ import annotations

import pytest

from app.streams.aggregator import TenantAggregator
from tests.phrases.transcripts import T0, M, config, events

AT = T0 + 11 * M


def phrase_metrics(agg: TenantAggregator, scope: str, window: str = "15m") -> dict[str, object]:
    got = agg.metrics(scope, window, AT)
    return {
        k: v
        for k, v in got.items()
        if ":" in k or k in ("banned_calls", "negative_sentiment_share")
    }


def run_through() -> TenantAggregator:
    agg = TenantAggregator(config())
    agg.apply_batch(events())
    return agg


TENANT = {
    "phrase_hits:greeting": 4, "calls_with:greeting": 2, "script_adherence:greeting": 0.25,
    "phrase_hits:obietnice": 4, "calls_with:obietnice": 2,
    "phrase_hits:powitanie": 8, "calls_with:powitanie": 3, "script_adherence:powitanie": 0.25,
    "phrase_hits:rezygnacja": 7, "calls_with:rezygnacja": 3,
    "banned_calls": 2, "negative_sentiment_share": 3 / 7,
}  # fmt: skip
ANNA = {
    "phrase_hits:greeting": 0, "calls_with:greeting": 0, "script_adherence:greeting": 0.0,
    "phrase_hits:obietnice": 0, "calls_with:obietnice": 0,
    "phrase_hits:powitanie": 5, "calls_with:powitanie": 2, "script_adherence:powitanie": 1.0,
    "phrase_hits:rezygnacja": 3, "calls_with:rezygnacja": 1,
    "banned_calls": 0, "negative_sentiment_share": 0.5,
}  # fmt: skip
TEAM_ALFA = {
    "phrase_hits:greeting": 0, "calls_with:greeting": 0, "script_adherence:greeting": 0.0,
    "phrase_hits:obietnice": 2, "calls_with:obietnice": 1,
    "phrase_hits:powitanie": 8, "calls_with:powitanie": 3, "script_adherence:powitanie": 0.5,
    "phrase_hits:rezygnacja": 5, "calls_with:rezygnacja": 2,
    "banned_calls": 1, "negative_sentiment_share": 0.5,
}  # fmt: skip
QUEUE_EN = {
    "phrase_hits:greeting": 4, "calls_with:greeting": 2, "script_adherence:greeting": 0.5,
    "phrase_hits:obietnice": 2, "calls_with:obietnice": 1,
    "phrase_hits:powitanie": 0, "calls_with:powitanie": 0, "script_adherence:powitanie": 0.0,
    "phrase_hits:rezygnacja": 2, "calls_with:rezygnacja": 1,
    "banned_calls": 1, "negative_sentiment_share": 1 / 3,
}  # fmt: skip
KATE = {
    "phrase_hits:greeting": 1, "calls_with:greeting": 1, "script_adherence:greeting": 0.0,
    "phrase_hits:obietnice": 0, "calls_with:obietnice": 0,
    "phrase_hits:powitanie": 0, "calls_with:powitanie": 0, "script_adherence:powitanie": 0.0,
    "phrase_hits:rezygnacja": 0, "calls_with:rezygnacja": 0,
    "banned_calls": 0, "negative_sentiment_share": 0.0,
}  # fmt: skip


@pytest.mark.parametrize(
    ("scope", "expected"),
    [("tenant", TENANT), ("agent:anna", ANNA), ("team:alfa", TEAM_ALFA),
     ("queue:sales_en", QUEUE_EN), ("agent:kate", KATE)],
)  # fmt: skip
def test_exact_figures_per_scope(scope: str, expected: dict[str, object]) -> None:
    agg = run_through()
    assert phrase_metrics(agg, scope) == expected
    assert phrase_metrics(agg, scope, "today") == expected


def test_windows_forget_what_is_older() -> None:
    agg = run_through()
    got = agg.metrics("tenant", "5m", AT)
    # the window (T0+6m, T0+11m]: e1 handled at T0+6m30s (adherent), p3's greeting, the late line
    assert got["script_adherence:greeting"] == 1.0
    assert got["script_adherence:powitanie"] == 0.0
    assert got["phrase_hits:powitanie"] == 2
    assert got["phrase_hits:rezygnacja"] == 1
    assert got["calls_with:rezygnacja"] == 0
    assert got["banned_calls"] == 0
    assert got["negative_sentiment_share"] is None


def test_the_latest_hits_name_agent_queue_list_and_phrase_without_text() -> None:
    hits = run_through().phrase_hits()
    banned = [(h.call_id, h.agent, h.team, h.queue, h.phrase) for h in hits if h.kind == "banned"]
    assert banned == [
        ("p2", "piotr", "alfa", "sprzedaz", "gwarantuję*"),
        ("p2", "piotr", "alfa", "sprzedaz", "obiecuję*"),
        ("e1", "john", "bravo", "sales_en", "I guarantee"),
        ("e1", "john", "bravo", "sales_en", "no risk at all"),
    ]
    assert len(hits) == 23
    assert all(h.text is None for h in hits)  # no transcript text unless the tenant keeps it
    assert [h.seq for h in hits] == list(range(1, 24))


def test_a_tenant_that_keeps_segments_sees_the_matching_text_until_its_retention() -> None:
    import msgspec

    from app.events.schemas import CallQueued

    cfg = msgspec.structs.replace(config(), keep_segments=True, segment_retention_s=600)
    agg = TenantAggregator(cfg)
    agg.apply_batch(events())
    first = agg.phrase_hits()[0]
    assert first.text == "Dzień dobry, nazywam się Anna Nowak, w czym mogę pomóc?"
    assert agg.phrase_hits()[-1].text == "Jednak rezygnuję."
    assert all(h.text is None for h in agg.phrase_hits(T0 + 19 * M)[:-1])
    assert agg.phrase_hits(T0 + 19 * M)[-1].text == "Jednak rezygnuję."
    agg.apply(CallQueued(id="later", ts=T0 + 19 * M, call_id="z", queue="sprzedaz"))
    restored = TenantAggregator.load(agg.dump(), cfg)
    assert [h.text for h in restored.phrase_hits()] == [h.text for h in agg.phrase_hits()]
    assert b"Anna Nowak" not in agg.dump()
    assert "Jednak rezygnuję.".encode() in agg.dump()


@pytest.mark.parametrize("cut", [1, 7, 12, 18, 25, 33, 38])
def test_a_restart_or_take_over_at_any_point_changes_nothing(cut: int) -> None:
    stream = events()
    straight = run_through()
    first = TenantAggregator(config())
    first.apply_batch(stream[:cut])
    taken_over = TenantAggregator.load(first.dump(), config())
    for event in stream[cut:]:
        taken_over.apply(event)
    assert taken_over.dump() == straight.dump()
    for scope in ("tenant", "agent:anna", "team:alfa", "queue:sales_en", "agent:kate"):
        assert phrase_metrics(taken_over, scope) == phrase_metrics(straight, scope)
    assert taken_over.phrase_hits() == straight.phrase_hits()


def test_repeated_segment_under_its_own_id_is_the_sender_s_business_but_a_stale_call_is_new() -> (
    None
):
    """A call that sends segments long after its last one (past `max_call_age_s`) is a new
    call for `calls_with`; within that time it is the same call."""
    from app.events.schemas import CallTranscript

    agg = TenantAggregator(config())
    line = "Chcę zrezygnować."
    agg.apply(CallTranscript(id="a", ts=T0, call_id="x", role="customer", text=line))
    agg.apply(CallTranscript(id="b", ts=T0 + M, call_id="x", role="customer", text=line))
    later = T0 + 5 * 3600 * 1000
    agg.apply(CallTranscript(id="c", ts=later, call_id="x", role="customer", text=line))
    today = agg.metrics("tenant", "today", later)
    assert today["phrase_hits:rezygnacja"] == 3
    assert today["calls_with:rezygnacja"] == 2


def test_an_edited_list_applies_from_then_on_and_survives_a_restart() -> None:
    """`powitanie` cut to its first phrase before the calls are handled: p2, which said only
    that in time, becomes adherent; hits already counted stay as they were."""
    import msgspec

    from tests.phrases.transcripts import LISTS

    stream = events()
    cut = 21  # after every segment of p1, p2, e1 and e2, before any of them is handled
    edited = msgspec.structs.replace(
        config(),
        phrase_lists=tuple(
            msgspec.structs.replace(pl, phrases=pl.phrases[:1]) if pl.name == "powitanie" else pl
            for pl in LISTS
        ),
    )
    live = TenantAggregator(config())
    live.apply_batch(stream[:cut])
    restarted = TenantAggregator.load(live.dump(), edited)
    live.set_config(edited)
    live.apply_batch(stream[cut:])
    restarted.apply_batch(stream[cut:])
    got = phrase_metrics(live, "tenant")
    assert got["script_adherence:powitanie"] == 0.5
    assert got["phrase_hits:powitanie"] == 8 - 1  # p3's `Nazywam się` no longer counts
    assert phrase_metrics(restarted, "tenant") == got
    assert restarted.dump() == live.dump()
