"""The additive sums a window of one scope holds, from which every windowed metric is computed.

The aggregator keeps them in packed ledgers (app/streams/aggregator/ledgers.py), one ledger per
group below, fields in the order given; reports keep the same sums as rollup columns. Adding a
sum here adds it to both (plus a migration for the rollup table, which a test checks).
"""

from __future__ import annotations

from typing import Final, NamedTuple

LEDGERS: Final[dict[str, tuple[str, ...]]] = {
    "answer": ("answered", "answered_known", "answered_within_sl", "wait_ms"),
    "unanswered": ("abandoned", "short_abandoned", "left_queue", "unanswered_unknown"),
    "handled": ("handled", "talk_ms", "hold_ms", "wrapup_ms"),
    "other": ("transfers", "expired", "deals", "revenue_micros"),
    "csat": ("csat_responses", "csat_sum", "csat_satisfied"),
    "pipeline": (
        "deals_created",
        "deals_won",
        "deals_lost",
        "close_ms",
        "closed_known",
        "effort_ms",
        "effort_known",
    ),
}
"""Ledger name -> its fields (times in ms, money in micro-units, counts)."""

ADDITIVE_SUMS: Final = tuple(name for fields in LEDGERS.values() for name in fields)
STATES: Final = ("ringing", "on_call", "wrapup", "available", "break")
"""The agent states integrated over time, in the order of StateTimes."""


def position(ledger: str, name: str) -> int:
    """The field number of sum `name` within its ledger's packed value."""
    return LEDGERS[ledger].index(name)


class WindowSums(NamedTuple):
    """The additive totals of one scope over one window (times in milliseconds): the fields of
    LEDGERS in order, then the longest wait (a maximum, not a sum; -1 when none)."""

    answered: int
    answered_known: int
    answered_within_sl: int
    wait_ms: int
    abandoned: int
    short_abandoned: int
    left_queue: int
    unanswered_unknown: int
    handled: int
    talk_ms: int
    hold_ms: int
    wrapup_ms: int
    transfers: int
    expired: int
    deals: int
    revenue_micros: int
    csat_responses: int
    csat_sum: int
    csat_satisfied: int
    deals_created: int
    deals_won: int
    deals_lost: int
    close_ms: int
    closed_known: int
    effort_ms: int
    effort_known: int
    max_wait_ms: int


class StateTimes(NamedTuple):
    """Agent x milliseconds in each state of STATES over one window."""

    ringing: int
    on_call: int
    wrapup: int
    available: int
    on_break: int


CALLBACK_SUM_FIELDS: Final = (
    "missed_callers",
    "callbacks_made",
    "callback_ms",
    "callbacks_closed",
    "missed_returned",
    "missed_dismissed",
)
"""The window sums of the call-back list (app/streams/aggregator/callbacks.py, `CallbackSums`):
entries opened, closed by a connecting call-back, their times to call-back (ms), and entries
closed called back, called again or expired (these four are packed ledgers by the time of the
change); then, of the entries opened in the window, those called back and those dismissed so
far (counted by their first miss, `FirstMisses`). Kept apart from LEDGERS: they have no
rollup."""

PHRASE_SUM_FIELDS: Final = (
    "hits",
    "calls_with",
    "adherent",
    "transcribed",
    "banned_calls",
    "with_sentiment",
    "negative",
)
"""The sums of phrase spotting (app/streams/aggregator/phrases.py) that reports keep per phrase
list (the first three; `phrase_rollups`, one row per list) or for no list (the rest, in the row
of list ''): hits, calls with a hit, handled calls adherent to a `required` list; handled calls
with a transcript, calls with a banned phrase, segments with a sentiment, negative ones. The
phrase fact (`PhraseFact`) and the rollup table have a field for each (a test checks)."""

if WindowSums._fields != (*ADDITIVE_SUMS, "max_wait_ms"):  # pragma: no cover - import-time guard
    raise RuntimeError("WindowSums must list LEDGERS' fields in order, then max_wait_ms")
