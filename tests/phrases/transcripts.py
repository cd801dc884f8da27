"""A realistic Polish and English transcript set written for the tests: a sales floor's morning
with several calls, both roles, diacritics and their absence, inflections, a partial segment,
a late segment, a call still running and a call without a transcript. The expected figures in
tests/phrases/test_phrase_scenario.py are worked out by hand from these lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from app.events.schemas import (
    CallAnswered,
    CallEnded,
    CallQueued,
    CallTranscript,
    CallWrapupEnded,
    Event,
)
from app.streams.aggregator import TenantConfig
from app.streams.aggregator.phrase_lists import PhraseListConfig

T0: Final = int(datetime.fromisoformat("2026-03-02T09:00:00+01:00").timestamp() * 1000)
S: Final = 1000
M: Final = 60 * S

LISTS: Final = (
    PhraseListConfig("greeting", "required", "agent",
                     ("good morning", "my name is", "how can I help"), within_s=30),
    PhraseListConfig("obietnice", "banned", "agent",
                     ("gwarantuję*", "obiecuję*", "I guarantee", "no risk at all")),
    PhraseListConfig("powitanie", "required", "agent",
                     ("Dzień dobry", "nazywam się*", "w czym mogę pomóc"), within_s=30),
    PhraseListConfig("rezygnacja", "signal", "customer",
                     ("rezygn*", "zrezygn*", "wypowiedz*", "cancel*", "konkurencj*",
                      "competitor*")),
)  # fmt: skip
TEAMS: Final = {"anna": "alfa", "piotr": "alfa", "john": "bravo", "kate": "bravo"}


def config() -> TenantConfig:
    return TenantConfig(
        tenant_id=1, timezone="Europe/Warsaw", agent_teams=dict(TEAMS), phrase_lists=LISTS
    )


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"ev{self.n}"


def events() -> list[Event]:
    """The morning, in the order a platform would send it."""
    nid = _Ids()

    def say(call: str, at: int, role: str, text: str, **extra: Any) -> CallTranscript:
        return CallTranscript(id=nid(), ts=at, call_id=call, role=role, text=text, **extra)  # type: ignore[arg-type]

    def call(cid: str, queue: str, agent: str, at: int, answer: int) -> list[Event]:
        return [
            CallQueued(id=nid(), ts=at, call_id=cid, queue=queue),
            CallAnswered(id=nid(), ts=at + answer, call_id=cid, agent=agent),
        ]

    def done(cid: str, end: int, wrap: int) -> list[Event]:
        return [
            CallEnded(id=nid(), ts=end, call_id=cid),
            CallWrapupEnded(id=nid(), ts=end + wrap, call_id=cid),
        ]

    p1 = T0 + 10 * S
    p2 = T0 + M + 5 * S
    e1 = T0 + 2 * M + 10 * S
    e2 = T0 + 3 * M + 5 * S
    out: list[Event] = [
        *call("p1", "sprzedaz", "anna", T0, 10 * S),
        say("p1", p1 + 3 * S, "agent",
            "Dzień dobry, nazywam się Anna Nowak, w czym mogę pomóc?", offset_ms=2000),
        say("p1", p1 + 10 * S, "customer",
            "Chcę zrezygnować z abonamentu, bo konkurencja ma taniej.",
            offset_ms=9000, sentiment="negative"),
        say("p1", p1 + 16 * S, "agent", "Rozumiem, sprawdzę dla Pana ofertę.",
            offset_ms=15000, sentiment="neutral"),
        *call("p2", "sprzedaz", "piotr", T0 + M, 5 * S),
        say("p2", p2 + 4 * S, "agent", "Dzien dobry, tu Piotr.", offset_ms=3000),
        *call("e1", "sales_en", "john", T0 + 2 * M, 10 * S),
        say("e1", e1 + 2 * S, "agent",
            "Good morning, my name is John. How can I help you today?", offset_ms=1500),
        say("p2", p2 + 46 * S, "agent",
            "Nazywam się Piotr Zieliński, w czym mogę pomóc?", offset_ms=45000),
        say("e1", e1 + 9 * S, "customer",
            "I'd like to cancel. Your competitor offers twenty percent off.",
            offset_ms=8000, sentiment="negative"),
        say("p2", p2 + 51 * S, "customer", "Rezygnuję, wypowiedzenie wyślę jutro.",
            offset_ms=50000, sentiment="negative"),
        say("p2", p2 + 59 * S, "agent", "Gwarantuje ze", offset_ms=58000, final=False),
        say("p2", p2 + 61 * S, "agent",
            "Gwarantuję, że od lipca zapłaci Pan 49,99 zł. Obiecuję!",
            offset_ms=60000, sentiment="positive"),
        *call("e2", "sales_en", "kate", T0 + 3 * M, 5 * S),
        say("e2", e2 + 3 * S, "agent", "Hello, how can I help?", offset_ms=2000),
        say("e2", e2 + 5 * S, "customer", "Good morning, my name is Mark.",
            offset_ms=4000, sentiment="neutral"),
        say("e1", e1 + 21 * S, "agent", "I guarantee there is no risk at all.",
            offset_ms=20000, sentiment="positive"),
        *done("p1", T0 + 3 * M, 30 * S),
        *done("e2", T0 + 4 * M, 10 * S),
        *done("p2", T0 + 5 * M, 20 * S),
        *done("e1", T0 + 6 * M, 30 * S),
        *call("p3", "sprzedaz", "anna", T0 + 7 * M, 5 * S),
        say("p3", T0 + 7 * M + 10 * S, "agent", "Dzień dobry! Nazywam się Anna."),
        *call("p4", "sprzedaz", "piotr", T0 + 8 * M, 2 * S),
        *done("p4", T0 + 9 * M, 10 * S),
        say("p1", T0 + 10 * M, "customer", "Jednak rezygnuję."),
    ]  # fmt: skip
    return out
