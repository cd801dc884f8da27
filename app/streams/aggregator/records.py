"""The live records of the state machines: calls, agents, finished calls, and the statistics
kept per scope (tenant, queue, team, agent)."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Final

import msgspec

from app.registry.sums import position
from app.streams.aggregator.ledgers import Counters, MaxWait, StateTime, field


class CallPhase(IntEnum):
    """Where a live call is in its state machine (stored by value in checkpoints)."""

    WAITING = 0  # in a queue (possibly ringing an agent)
    DIALING = 1  # outbound, not connected yet; the agent is busy
    TALKING = 2  # an agent leg is active (possibly on hold)
    WRAPUP = 3  # talk ended, the agent does after-call work


class CallOutcome(StrEnum):
    """How a call visit ended (`Call.fate`, the call fact's `outcome`); `Call.outcome` holds
    the first three as soon as the wait ends."""

    ANSWERED = "answered"  # inbound answered, or outbound connected
    ABANDONED = "abandoned"
    LEFT_QUEUE = "left_queue"
    EXPIRED = "expired"  # never finished within `max_call_age_s`
    NO_ANSWER = "no_answer"  # outbound, never connected


class CallDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class AgentCategory(IntEnum):
    """The state derived for an agent. The timed ones (all but `LOGGED_OUT`) are integrated
    over time, in this order (`StateTime`'s packed fields); names are the facts' `state`."""

    RINGING = 0
    ON_CALL = 1
    WRAPUP = 2
    AVAILABLE = 3
    BREAK = 4
    LOGGED_OUT = 5


# Members bound to module names: the hot paths compare against them per event, and reading a
# global is much cheaper than an attribute of an enum class.
WAITING: Final = CallPhase.WAITING
DIALING: Final = CallPhase.DIALING
TALKING: Final = CallPhase.TALKING
WRAPUP: Final = CallPhase.WRAPUP
RINGING: Final = AgentCategory.RINGING
ON_CALL: Final = AgentCategory.ON_CALL
IN_WRAPUP: Final = AgentCategory.WRAPUP
AVAILABLE: Final = AgentCategory.AVAILABLE
BREAK: Final = AgentCategory.BREAK
LOGGED_OUT: Final = AgentCategory.LOGGED_OUT
INBOUND: Final = CallDirection.INBOUND
OUTBOUND: Final = CallDirection.OUTBOUND
STATE_NAMES: Final = tuple(category.name.lower() for category in AgentCategory)
TIMED_STATES: Final = len(AgentCategory) - 1


class Call(msgspec.Struct, gc=False, array_like=True):
    """A call (one queue visit). Fields ending in `_ms`, `enqueued`, `wait_from`, `leg_start`,
    `hold_since` and `wrap_start` are event times as sent (durations are measured on them);
    `first` is the aggregator time of its first event (its age for expiry). Talk, hold, wrap-up
    and wait amounts are milliseconds. A wrap-up with a limit never counts more than
    `wrap_limit`, and ends by itself at `wrap_due`.

    A finished call stays as its own tombstone: `fate` is its final outcome, `done_at` when it
    finished (aggregator time), and it is never changed again.
    """

    id: str
    visit: int
    first: int
    queue: str | None
    direction: CallDirection
    phase: CallPhase = WAITING
    waiting: bool = False  # counted in calls waiting (its queue's and the tenant's)
    enqueued: int | None = None  # enqueue time of the first wait; None = unknown
    wait_from: int = 0  # start of the current wait (for the longest wait)
    ring: str | None = None
    agent: str | None = None
    last_agent: str | None = None
    outcome: CallOutcome | None = None
    outcome_queue: str | None = None  # queue where the outcome happened
    answered_ms: int | None = None
    wait: int | None = None
    within: bool = False
    short: bool = False
    leg_start: int = 0
    hold: int = 0
    hold_since: int | None = None
    leg_talk: int = 0
    leg_hold: int = 0
    talk_total: int = 0
    hold_total: int = 0
    ended_ms: int | None = None
    wrap_start: int = 0
    transfers: int = 0
    fate: CallOutcome | None = None
    done_at: int = 0
    wrap: int = 0
    wrapup_ended_ms: int | None = None
    team: str | None = None
    # a wrap-up with a limit (fields added in checkpoint format 2, so they stay last)
    wrap_limit: int = -1  # ms; -1: none (the wrap-up lasts until an event ends it)
    wrap_due: int = 0  # aggregator time at which the wrap-up ends by itself
    # the call-back list (added later: last, with a default, so older checkpoints still read)
    caller: str | None = None  # the caller's number (inbound) or the number called (outbound)


class Interval(msgspec.Struct, gc=False, array_like=True):
    """A closed agent state interval, turned into an AgentStateFact when facts are drained."""

    agent: str
    team: str | None
    state: AgentCategory
    reason: str | None
    start: int
    end: int


def sum_field(ledger: str, name: str) -> int:
    """The packed value 1 in window sum `name` of `ledger` (app/registry/sums.py)."""
    return field(position(ledger, name))


# Packed fields of the counters (see ledgers.pack), placed as the registry's LEDGERS say.
ANSWERED = sum_field("answer", "answered")
ANSWERED_KNOWN = sum_field("answer", "answered_known")
ANSWERED_WITHIN_SL = sum_field("answer", "answered_within_sl")
WAIT_MS = sum_field("answer", "wait_ms")
ABANDONED = sum_field("unanswered", "abandoned")
SHORT_ABANDONED = sum_field("unanswered", "short_abandoned")
LEFT_QUEUE = sum_field("unanswered", "left_queue")
UNANSWERED_UNKNOWN = sum_field("unanswered", "unanswered_unknown")
HANDLED = sum_field("handled", "handled")
TALK_MS = sum_field("handled", "talk_ms")
HOLD_MS = sum_field("handled", "hold_ms")
WRAPUP_MS = sum_field("handled", "wrapup_ms")
TRANSFERS = sum_field("other", "transfers")
EXPIRED = sum_field("other", "expired")
DEALS = sum_field("other", "deals")
REVENUE_MICROS = sum_field("other", "revenue_micros")
CSAT_RESPONSES = sum_field("csat", "csat_responses")
CSAT_SUM = sum_field("csat", "csat_sum")
CSAT_SATISFIED = sum_field("csat", "csat_satisfied")
DEALS_CREATED = sum_field("pipeline", "deals_created")
DEALS_WON = sum_field("pipeline", "deals_won")
DEALS_LOST = sum_field("pipeline", "deals_lost")
CLOSE_MS = sum_field("pipeline", "close_ms")
CLOSED_KNOWN = sum_field("pipeline", "closed_known")
EFFORT_MS = sum_field("pipeline", "effort_ms")
EFFORT_KNOWN = sum_field("pipeline", "effort_known")
ANSWER_UNKNOWN_WAIT: Final = ANSWERED
ANSWER_LATE: Final = ANSWERED | ANSWERED_KNOWN
ANSWER_IN_SL: Final = ANSWERED | ANSWERED_KNOWN | ANSWERED_WITHIN_SL


def state_delta(old: int, new: int) -> int:
    """Packed change of the per-state agent counts when one agent goes from `old` to `new`."""
    return (field(new) if new < TIMED_STATES else 0) - (field(old) if old < TIMED_STATES else 0)


STATE_DELTAS: Final = tuple(
    tuple(state_delta(old, new) for new in range(TIMED_STATES + 1))
    for old in range(TIMED_STATES + 1)
)


class Stats:
    """The ledgers of one scope (fields in order, packed):

    answer:     answered, answered with known wait, answered within SL, sum of known waits
    unanswered: abandoned, short abandoned, left queue, unanswered with unknown wait
    handled:    handled, talk ms, hold ms, wrap-up ms
    other:      transfers, expired, deals, revenue (micro-units)
    csat:       responses, sum of scores, satisfied (score >= 4)
    pipeline:   deals created, won, lost, ms from creation to win and the wins that know it,
                handle ms of the calls of the deals won and the wins that had such calls
    states:     agents x ms per timed state (team and agent scopes; the tenant's is a sum)
    waiting:    the calls waiting now, by id (tenant and queue scopes; empty elsewhere)
    max_wait:   a monotonic stack when `stacked` (tenant and queue scopes, many answers), else
                the period maxima only (teams and agents: a scan of their few answers)

    `unanswered`, `other`, `csat` and `pipeline` are created on first use (most agents never
    need them).
    """

    __slots__ = (
        "answer",
        "csat",
        "handled",
        "max_wait",
        "other",
        "pipeline",
        "reasons",
        "stacked",
        "states",
        "unanswered",
        "waiting",
    )

    def __init__(self, with_states: bool, stacked: bool) -> None:
        self.answer = Counters()
        self.handled = Counters()
        self.unanswered: Counters | None = None
        self.other: Counters | None = None
        self.csat: Counters | None = None
        self.pipeline: Counters | None = None
        self.max_wait = MaxWait()
        self.states: StateTime | None = StateTime() if with_states else None
        self.reasons: dict[str, int] = {}
        self.waiting: dict[str, Call] = {}
        self.stacked = stacked

    def counters(self) -> tuple[Counters, ...]:
        """answer, unanswered, handled, other, csat, pipeline: the order of the registry's
        LEDGERS (an unused one reads as empty)."""
        return (
            self.answer,
            self.unanswered or EMPTY,
            self.handled,
            self.other or EMPTY,
            self.csat or EMPTY,
            self.pipeline or EMPTY,
        )

    def add_unanswered(self, t: int, delta: int) -> None:
        led = self.unanswered
        if led is None:
            led = self.unanswered = Counters()
        led.add(t, delta)

    def add_other(self, t: int, delta: int) -> None:
        led = self.other
        if led is None:
            led = self.other = Counters()
        led.add(t, delta)

    def add_csat(self, t: int, delta: int) -> None:
        led = self.csat
        if led is None:
            led = self.csat = Counters()
        led.add(t, delta)

    def add_pipeline(self, t: int, delta: int) -> None:
        led = self.pipeline
        if led is None:
            led = self.pipeline = Counters()
        led.add(t, delta)


EMPTY: Final = Counters()


UNPLACED: Final = (StateTime(), StateTime())  # until the aggregator places the agent


class Agent:
    """An agent's inputs (login, manual state, calls) and the state derived from them."""

    __slots__ = (
        "category",
        "id",
        "label",
        "logged_in",
        "manual",
        "name",
        "queues",
        "ring",
        "scopes",
        "since",
        "states",
        "stats",
        "talk",
        "team",
        "wrap",
    )

    def __init__(self, agent_id: str, since: int) -> None:
        self.id = agent_id
        self.logged_in = False
        self.manual: str | None = None  # None = available, else the not-ready label
        self.talk: list[Call] = []  # calls with this agent talking or dialing
        self.ring: list[Call] = []
        self.wrap: Call | None = None
        self.category: AgentCategory = LOGGED_OUT
        self.label: str | None = None
        self.since = since
        self.team: str | None = None
        self.name: str | None = None
        self.queues: set[str] = set()
        self.scopes: tuple[Stats, ...] = ()  # own, team (if any), tenant
        self.stats: tuple[Stats, ...] = ()  # own, team (if any): where its calls count
        # its own time-in-state ledger and its group's (its team, or the agents without one)
        self.states: tuple[StateTime, StateTime] = UNPLACED
