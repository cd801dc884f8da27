"""Facts the aggregator hands to the reporting database.

Every fact has a `fact_id` derived only from the events (never from wall time or a counter
that restarts), so replaying the same events yields the same ids and writers can upsert.
Times are epoch milliseconds; durations are seconds.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

from app.streams.aggregator.records import STATE_NAMES, Call, CallDirection, CallOutcome, Interval

OutcomeName = Literal["answered", "abandoned", "left_queue", "expired", "no_answer"]
DirectionName = Literal["inbound", "outbound"]
OUTCOME_NAMES: Final[dict[CallOutcome | None, OutcomeName]] = {
    CallOutcome.ANSWERED: "answered",
    CallOutcome.ABANDONED: "abandoned",
    CallOutcome.LEFT_QUEUE: "left_queue",
    CallOutcome.EXPIRED: "expired",
    CallOutcome.NO_ANSWER: "no_answer",
}
"""The enum as the facts' plain schema types (facts are also built from strings: the database,
the reports' tests)."""
DIRECTION_NAMES: Final[dict[CallDirection, DirectionName]] = {
    CallDirection.INBOUND: "inbound",
    CallDirection.OUTBOUND: "outbound",
}


class CallFact(msgspec.Struct, frozen=True, gc=False, tag="call"):
    """One finished call (one queue visit: a call that left a queue and re-entered one later
    is a second visit with its own fact).

    `outcome`: `answered` (inbound answered, or outbound connected), `abandoned`,
    `left_queue`, `expired` (never finished within `max_call_age_s`) or `no_answer`
    (outbound, never connected). `wait_s` is None when the wait is unknown (no `call.queued`).
    `queue` is where the call's outcome happened; `agent`/`team` handled its last leg.
    """

    fact_id: str
    call_id: str
    direction: DirectionName
    outcome: OutcomeName
    queue: str | None
    agent: str | None
    team: str | None
    enqueued_ms: int | None
    answered_ms: int | None
    ended_ms: int | None
    wrapup_ended_ms: int | None
    finished_ms: int
    wait_s: float | None
    talk_s: float
    hold_s: float
    wrapup_s: float
    transfers: int
    short_abandon: bool
    within_sl: bool


class AgentStateFact(msgspec.Struct, frozen=True, gc=False, tag="agent_state"):
    """One closed interval [start_ms, end_ms) of an agent in a state (`available`, `ringing`,
    `on_call`, `wrapup` or `break` with its `reason`). Logged-out time is not a fact."""

    fact_id: str
    agent: str
    team: str | None
    state: str
    reason: str | None
    start_ms: int
    end_ms: int


class DealFact(msgspec.Struct, frozen=True, gc=False, tag="deal"):
    fact_id: str
    agent: str
    team: str | None
    queue: str | None
    call_id: str | None
    amount: float
    currency: str | None
    ms: int


class CsatFact(msgspec.Struct, frozen=True, gc=False, tag="csat"):
    fact_id: str
    score: int
    agent: str | None
    team: str | None
    queue: str | None
    call_id: str | None
    ms: int


class PipelineFact(msgspec.Struct, frozen=True, gc=False, tag="pipeline"):
    """One event of the sales pipeline as it counted (`pipeline:EVENT_ID`): `kind` is
    `created`, `stage` (the deal entered `stage`: a move, or the opening of a deal never
    seen), `won` or `lost`. `agent`/`team` are the owner it counted for; `amount` the expected
    value (created, stage, lost) or the final one (won); `close_ms` the time from creation to
    win when the creation is known; `effort_ms` the handle time of the deal's calls when it had
    any; `created_ms` the deal's creation time if known."""

    fact_id: str
    kind: str
    deal_id: str
    pipeline: str
    stage: str
    agent: str | None
    team: str | None
    queue: str | None
    amount: float | None
    close_ms: int | None
    effort_ms: int | None
    created_ms: int | None
    ms: int


class CallbackFact(msgspec.Struct, frozen=True, gc=False, tag="callback"):
    """An entry that left the call-back list (app/streams/aggregator/callbacks.py), for the
    call-back report. It holds no number: reports keep only counts."""

    fact_id: str
    entry_id: int
    queue: str | None
    status: str
    first_missed_ms: int
    last_missed_ms: int
    closed_ms: int
    misses: int
    attempts: int
    callback_ms: int | None


class PhraseFact(msgspec.Struct, frozen=True, gc=False, tag="phrase"):
    """What one transcript segment, or the settling of one handled call, added to the phrase
    metrics (app/streams/aggregator/phrases.py) of one phrase list, `list_name`; `list_name` ''
    carries the sums of no list (banned calls, segments with a sentiment, handled calls with a
    transcript). `queue`, `agent` and `team` are the scopes it counted for, `ms` when.

    Ids: `phrase:EVENT_ID:LIST` for a segment, `phrase:call:CALL_ID:VISIT:FIRST:LIST` for a
    handled call (its call fact's id), so a replay yields the same ids."""

    fact_id: str
    call_id: str
    list_name: str
    queue: str | None
    agent: str | None
    team: str | None
    hits: int
    calls_with: int
    adherent: int
    transcribed: int
    banned_calls: int
    with_sentiment: int
    negative: int
    ms: int


Fact = CallFact | AgentStateFact | DealFact | CsatFact | PipelineFact | CallbackFact | PhraseFact


def call_fact(c: Call) -> CallFact:
    return CallFact(
        f"call:{c.id}:{c.visit}:{c.first}",
        c.id,
        DIRECTION_NAMES[c.direction],
        OUTCOME_NAMES[c.fate],
        c.outcome_queue if c.outcome_queue is not None else c.queue,
        c.last_agent,
        c.team,
        c.enqueued,
        c.answered_ms,
        c.ended_ms,
        c.wrapup_ended_ms,
        c.done_at,
        None if c.wait is None else c.wait / 1000,
        c.talk_total / 1000,
        c.hold_total / 1000,
        c.wrap / 1000,
        c.transfers,
        c.short,
        c.within,
    )


def state_fact(i: Interval) -> AgentStateFact:
    return AgentStateFact(
        f"state:{i.agent}:{i.start}",
        i.agent,
        i.team,
        STATE_NAMES[i.state],
        i.reason,
        i.start,
        i.end,
    )


def materialize(f: Fact | Call | Interval) -> Fact:
    """Facts are kept as the records they come from and built when drained."""
    if isinstance(f, Call):
        return call_fact(f)
    if isinstance(f, Interval):
        return state_fact(f)
    return f
