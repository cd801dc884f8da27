"""Phrase spotting: transcript segments matched per CPU second against a tenant's phrase lists
(app/streams/aggregator/phrase_matching.py),
Polish and English segments of realistic length; then the same
segments flowing through the aggregator (matching, per-call state, per-list ledgers of every
scope), as `call.transcript` events of live calls."""

from __future__ import annotations

import random
import time

from app.events.schemas import CallAnswered, CallQueued, CallTranscript, Event
from app.streams.aggregator import TenantAggregator, TenantConfig
from app.streams.aggregator.phrase_lists import PhraseListConfig
from app.streams.aggregator.phrase_matching import PhraseMatcher
from bench.results import Row

LISTS = [
    ["dzień dobry", "nazywam się*", "w czym mogę pomóc", "czy mogę w czymś jeszcze pomóc",
     "good morning", "my name is", "how can i help", "anything else i can help"],
    ["rozmowa jest nagrywana", "this call is recorded", "zgoda na nagrywanie",
     "recorded for quality"],
    ["gwarantuję*", "na pewno nie będzie", "i guarantee", "no risk at all", "zero ryzyka",
     "obiecuję*", "i promise"],
    ["rezygn*", "konkurencj*", "anul*", "cancel*", "competitor*", "too expensive", "za drogo"],
    ["oferta specjalna", "promocj*", "special offer", "discount*", "rabat*", "zł", "pln", "eur"],
]  # fmt: skip
VOCABULARY = (
    "dzień dobry nazywam się Anna w czym mogę pomóc chciałbym zapytać o fakturę za ostatni "
    "miesiąc bo kwota 149,99 zł wydaje się za wysoka rozumiem sprawdzę to teraz proszę chwilę "
    "poczekać good morning my name is John how can I help I would like to cancel my contract "
    "because your competitor offers a discount of twenty percent let me check a special offer"
)


def segments(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    words = VOCABULARY.split(" ")
    return [" ".join(rng.choices(words, k=rng.randint(8, 30))) for _ in range(count)]


KINDS = ("required", "required", "banned", "signal", "signal")
START_MS = 1_772_438_400_000
CALLS = 2_000
AGENTS = 200


def through_aggregator(texts: list[str]) -> tuple[float, int]:
    """Segments per CPU second applied by a tenant's aggregator (2,000 live calls of 200 agents
    in 10 teams and 4 queues, a segment every 100 ms), and the hits it counted."""
    lists = tuple(
        PhraseListConfig(f"list{i}", KINDS[i], "any", tuple(phrases))  # type: ignore[arg-type]
        for i, phrases in enumerate(LISTS)
    )
    teams = {f"a{i}": f"team{i % 10}" for i in range(AGENTS)}
    agg = TenantAggregator(TenantConfig(tenant_id=1, agent_teams=teams, phrase_lists=lists))
    calls: list[Event] = []
    for c in range(CALLS):
        calls.append(CallQueued(id=f"q{c}", ts=START_MS, call_id=f"c{c}", queue=f"q{c % 4}"))
        calls.append(CallAnswered(id=f"a{c}", ts=START_MS, call_id=f"c{c}", agent=f"a{c % AGENTS}"))
    agg.apply_batch(calls)
    events = [
        CallTranscript(id=f"s{n}", ts=START_MS + n * 100, call_id=f"c{n % CALLS}",
                       role="agent" if n % 2 else "customer", text=text, offset_ms=n % 60_000)
        for n, text in enumerate(texts)
    ]  # fmt: skip
    started = time.process_time()
    for start in range(0, len(events), 1000):
        agg.apply_batch(events[start : start + 1000])
    spent = time.process_time() - started
    today = agg.metrics("tenant", "today", events[-1].ms)
    hits = sum(int(v or 0) for k, v in today.items() if k.startswith("phrase_hits:"))
    return len(events) / spent, hits


def rows(quick: bool) -> list[Row]:
    texts = segments(20_000 if quick else 200_000)
    matcher = PhraseMatcher(LISTS)
    started = time.process_time()
    hits = sum(len(matcher.find(text)) for text in texts)
    spent = time.process_time() - started
    rate = len(texts) / spent
    phrases = sum(len(phrases) for phrases in LISTS)
    return [
        Row(
            "phrases",
            f"transcript segments matched against {len(LISTS)} lists of {phrases} phrases "
            f"(8-30 words each, {len(texts):,} segments, {hits:,} hits), per CPU second",
            rate,
            f"{rate:,.0f} segments/s",
        ),
        *_aggregated(texts),
    ]


def _aggregated(texts: list[str]) -> list[Row]:
    rate, hits = through_aggregator(texts)
    return [
        Row(
            "phrases",
            f"the same segments as call.transcript events through a tenant's aggregator "
            f"({CALLS:,} live calls, {AGENTS} agents, 10 teams, 4 queues; {hits:,} hits), "
            "per CPU second",
            rate,
            f"{rate:,.0f} segments/s",
        )
    ]
