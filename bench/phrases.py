"""Phrase spotting: transcript segments matched per CPU second against a tenant's phrase lists
(app/phrases/matching.py), Polish and English segments of realistic length."""

from __future__ import annotations

import random
import time

from app.phrases.matching import PhraseMatcher
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
        )
    ]
