"""The live records of the state machines: calls, agents, finished calls, and the statistics
kept per scope (tenant, queue, team, agent)."""

from __future__ import annotations

from typing import Final

from app.streams.aggregator.ledgers import Counters, MaxWait, TimeInState

# Call phases.
WAITING: Final = 0  # in a queue (possibly ringing an agent)
DIALING: Final = 1  # outbound, not connected yet; the agent is busy
TALKING: Final = 2  # an agent leg is active (possibly on hold)
WRAPUP: Final = 3  # talk ended, the agent does after-call work

# Agent states. The first five are integrated over time; logged-out time is not.
RINGING: Final = 0
ON_CALL: Final = 1
IN_WRAPUP: Final = 2
AVAILABLE: Final = 3
BREAK: Final = 4
LOGGED_OUT: Final = 5
STATE_NAMES: Final = ("ringing", "on_call", "wrapup", "available", "break", "logged_out")
TIMED_STATES: Final = 5

INBOUND: Final = "inbound"
OUTBOUND: Final = "outbound"


class Call:
    """A call (one queue visit) that is not finished yet. Times ending in `_ms` are event
    times as sent (durations are measured on them); `first` is the aggregator time of the
    first event (its age for expiry)."""

    __slots__ = (
        "agent",
        "answered_ms",
        "direction",
        "ended_ms",
        "enq",
        "first",
        "hold",
        "hold_since",
        "hold_total",
        "id",
        "last_agent",
        "leg_hold",
        "leg_start",
        "leg_talk",
        "oq",
        "outcome",
        "phase",
        "queue",
        "ring",
        "seq",
        "short",
        "talk_total",
        "transfers",
        "visit",
        "wait",
        "wait_from",
        "within",
        "wrap_start",
    )

    def __init__(self, call_id: str, visit: int, first: int, queue: str | None, direction: str):
        self.id = call_id
        self.visit = visit
        self.first = first
        self.queue = queue
        self.direction = direction
        self.phase = WAITING
        self.seq = -1  # position in the waiting heaps; -1 when not waiting
        self.enq: int | None = None  # enqueue time of the first wait; None = unknown
        self.wait_from = 0  # start of the current wait (for longest wait)
        self.ring: str | None = None
        self.agent: str | None = None
        self.last_agent: str | None = None
        self.outcome: str | None = None
        self.oq: str | None = None  # queue where the outcome happened
        self.answered_ms: int | None = None
        self.wait: int | None = None
        self.within = False
        self.short = False
        self.leg_start = 0
        self.hold = 0
        self.hold_since: int | None = None
        self.leg_talk = 0
        self.leg_hold = 0
        self.talk_total = 0
        self.hold_total = 0
        self.ended_ms: int | None = None
        self.wrap_start = 0
        self.transfers = 0


class Finished:
    """What is remembered of a finished call: enough to recognise late events about it and to
    attribute deals and surveys that name it."""

    __slots__ = ("agent", "at", "outcome", "queue", "visit")

    def __init__(self, visit: int, outcome: str, queue: str | None, agent: str | None, at: int):
        self.visit = visit
        self.outcome = outcome
        self.queue = queue
        self.agent = agent
        self.at = at


class Stats:
    """The ledgers of one scope.

    answer:     answered, answered with known wait, answered within SL, sum of known waits (ms)
    unanswered: abandoned, short abandoned, left queue, unanswered with unknown wait
    handled:    handled, talk ms, hold ms, wrap-up ms
    other:      transfers, expired, deals, revenue (micro-units)
    csat:       responses, sum of scores, satisfied (score >= 4), unused
    states:     agents x milliseconds per timed state (tenant, team and agent scopes only)
    """

    __slots__ = (
        "answer",
        "csat",
        "handled",
        "heap",
        "max_wait",
        "other",
        "reasons",
        "states",
        "unanswered",
        "waiting",
    )

    def __init__(self, with_states: bool) -> None:
        self.answer = Counters()
        self.unanswered = Counters()
        self.handled = Counters()
        self.other = Counters(big=True)
        self.csat = Counters()
        self.max_wait = MaxWait()
        self.states: tuple[TimeInState, ...] = (
            tuple(TimeInState() for _ in range(TIMED_STATES)) if with_states else ()
        )
        self.reasons: dict[str, int] = {}
        self.waiting = 0
        self.heap: list[tuple[int, int, Call]] = []

    def counters(self) -> tuple[Counters, ...]:
        return (self.answer, self.unanswered, self.handled, self.other, self.csat)


class Agent:
    """An agent's inputs (login, manual state, calls) and the state derived from them."""

    __slots__ = (
        "cat",
        "id",
        "label",
        "logged_in",
        "manual",
        "name",
        "queues",
        "ring",
        "scopes",
        "since",
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
        self.cat = LOGGED_OUT
        self.label: str | None = None
        self.since = since
        self.team: str | None = None
        self.name: str | None = None
        self.queues: set[str] = set()
        self.scopes: tuple[Stats, ...] = ()
