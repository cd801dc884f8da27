"""Transcript segments for simulated calls: realistic Polish and English lines, so the demo
shows script adherence, cancellation signals, negative sentiment and, now and then, a banned
promise. `DEMO_PHRASE_LISTS` are the lists they are written against (docs/phrases.md)."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random
from typing import Final, Literal

Role = Literal["agent", "customer"]
Sentiment = Literal["positive", "neutral", "negative"]


@dataclass(frozen=True, slots=True)
class Line:
    """One segment of a simulated call: `at` is its share (0-1) of the talk time, unless
    `offset_s` places it that many seconds after the answer."""

    role: Role
    text: str
    sentiment: Sentiment = "neutral"
    offset_s: float | None = None
    at: float = 0.5


DEMO_PHRASE_LISTS: Final = (
    {"name": "powitanie", "kind": "required", "role": "agent", "within_s": 30,
     "phrases": ["dzień dobry", "nazywam się*", "w czym mogę pomóc"]},
    {"name": "greeting", "kind": "required", "role": "agent", "within_s": 30,
     "phrases": ["my name is", "how can I help"]},
    {"name": "obietnice", "kind": "banned", "role": "agent",
     "phrases": ["gwarantuję*", "obiecuję*", "I guarantee", "I promise", "no risk at all"]},
    {"name": "rezygnacja", "kind": "signal", "role": "customer",
     "phrases": ["rezygn*", "zrezygn*", "wypowiedz*", "konkurencj*", "cancel*", "competitor*"]},
)  # fmt: skip

_PL_GREETINGS: Final = (
    "Dzień dobry, nazywam się {name}, w czym mogę pomóc?",
    "Dzień dobry, tu {name}, nazywam się {name}. W czym mogę pomóc?",
    "Dzien dobry, nazywam sie {name}, w czym moge pomoc?",
)
_PL_SHORT_GREETINGS: Final = ("Dzień dobry, słucham.", "Halo, {name}, słucham Pana.")
_PL_CUSTOMER: Final = (
    ("Dzwonię w sprawie faktury za ostatni miesiąc, kwota 149,99 zł jest za wysoka.", "negative"),
    ("Chciałbym zapytać o nową ofertę internetu światłowodowego.", "neutral"),
    ("Chcę zrezygnować z umowy, konkurencja proponuje mi lepsze warunki.", "negative"),
    ("Rezygnuję z pakietu telewizyjnego od przyszłego miesiąca.", "negative"),
    ("Dziękuję, bardzo mi Pani pomogła.", "positive"),
)
_PL_AGENT: Final = (
    ("Rozumiem, już sprawdzam szczegóły Pana umowy.", "neutral"),
    ("Mogę zaproponować rabat dwadzieścia procent na pół roku.", "positive"),
    ("Proszę chwilę poczekać, przełączam do działu rozliczeń.", "neutral"),
)
_PL_BANNED: Final = (
    "Gwarantuję, że cena już nigdy nie wzrośnie.",
    "Obiecuję, że technik przyjedzie jeszcze dziś.",
)
_EN_GREETINGS: Final = (
    "Good morning, my name is {name}, how can I help you today?",
    "Hello, my name is {name}. How can I help?",
)
_EN_SHORT_GREETINGS: Final = ("Hi, thanks for calling.", "Hello, {name} speaking.")
_EN_CUSTOMER: Final = (
    ("I'm calling about my last bill, it's much higher than usual.", "negative"),
    ("I'd like to cancel my contract, your competitor is cheaper.", "negative"),
    ("Could you tell me more about the new fibre plan?", "neutral"),
    ("Thanks, that was really helpful.", "positive"),
)
_EN_AGENT: Final = (
    ("Let me check your account, one moment please.", "neutral"),
    ("I can offer you a loyalty discount for six months.", "positive"),
)
_EN_BANNED: Final = ("I guarantee the price will never go up.", "I promise, no risk at all.")

BANNED_SHARE: Final = 0.04
INCOMPLETE_GREETING_SHARE: Final = 0.15
LATE_GREETING_SHARE: Final = 0.08


def call_lines(rng: Random, agent_name: str, polish: bool) -> list[Line]:
    """The segments of one call, in order."""
    first = agent_name.split(" ")[0]
    greetings, short = (_PL_GREETINGS, _PL_SHORT_GREETINGS) if polish else (
        _EN_GREETINGS, _EN_SHORT_GREETINGS)  # fmt: skip
    customer = _PL_CUSTOMER if polish else _EN_CUSTOMER
    agent = _PL_AGENT if polish else _EN_AGENT
    banned = _PL_BANNED if polish else _EN_BANNED
    roll = rng.random()
    if roll < INCOMPLETE_GREETING_SHARE:
        greeting = rng.choice(short)
        offset = rng.uniform(1, 4)
    elif roll < INCOMPLETE_GREETING_SHARE + LATE_GREETING_SHARE:
        greeting = rng.choice(greetings)
        offset = rng.uniform(35, 50)
    else:
        greeting = rng.choice(greetings)
        offset = rng.uniform(1, 6)
    lines = [Line("agent", greeting.format(name=first), offset_s=offset)]
    text, mood = rng.choice(customer)
    lines.append(Line("customer", text, mood, at=rng.uniform(0.15, 0.35)))  # type: ignore[arg-type]
    text, mood = rng.choice(agent)
    lines.append(Line("agent", text, mood, at=rng.uniform(0.4, 0.6)))  # type: ignore[arg-type]
    if rng.random() < BANNED_SHARE:
        lines.append(Line("agent", rng.choice(banned), "positive", at=rng.uniform(0.65, 0.8)))
    text, mood = rng.choice(customer)
    lines.append(Line("customer", text, mood, at=rng.uniform(0.82, 0.95)))  # type: ignore[arg-type]
    return lines
