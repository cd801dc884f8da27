"""The canonical event schema (v1), decoded with msgspec on the hot path.

Every event has `id` (the sender's unique id, used for de-duplication), `type` (the tag of the
union) and `ts` (RFC 3339 with an offset, or epoch milliseconds). After decoding, `ts` always
holds epoch milliseconds (`Event.ms`), so everything downstream works on integers.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Final, Literal

import msgspec

from app.events.caller_numbers import MAX_CALLER_LENGTH, clean_caller

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Caller = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CALLER_LENGTH)]
"""The caller's number (E.164, or the platform's national number); cleaned on decode."""
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
EpochMs = Annotated[int, msgspec.Meta(ge=0, le=253_402_300_799_999)]
Priority = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
"""Bounded: an unbounded integer decodes from JSON but cannot be stored (msgpack holds 64 bits)."""

MAX_TS_MS: Final = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
TRANSCRIPT_TEXT_MAX: Final = 4096
"""Characters of one transcript segment's text."""


def datetime_to_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


class Event(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """Fields common to every event. `ts` is normalised to epoch milliseconds on decode."""

    id: Id
    if TYPE_CHECKING:
        ts: int
        """Epoch milliseconds once constructed: a datetime given (on decode) is converted by
        `__post_init__`, so every reader sees an int."""
    else:
        ts: AwareDatetime | EpochMs

    def __post_init__(self) -> None:
        ts: datetime | int = self.ts
        if isinstance(ts, datetime):
            ms = datetime_to_ms(ts)
            if not 0 <= ms <= MAX_TS_MS:
                raise ValueError("ts is outside 1970-01-01 .. 9999-12-31")
            self.ts = ms

    @property
    def ms(self) -> int:
        """Event time in epoch milliseconds."""
        return self.ts


class CallQueued(Event, tag="call.queued"):
    call_id: Id
    queue: Name
    priority: Priority = 0
    deal_id: Id | None = None
    caller: Caller | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.caller is not None:
            self.caller = clean_caller(self.caller)


class CallRinging(Event, tag="call.ringing"):
    call_id: Id
    agent: Name
    queue: Name | None = None
    deal_id: Id | None = None


class CallAnswered(Event, tag="call.answered"):
    call_id: Id
    agent: Name | None = None
    queue: Name | None = None
    deal_id: Id | None = None


class CallHold(Event, tag="call.hold"):
    call_id: Id
    deal_id: Id | None = None


class CallResumed(Event, tag="call.resumed"):
    call_id: Id
    deal_id: Id | None = None


class CallTransferred(Event, tag="call.transferred"):
    call_id: Id
    to_queue: Name | None = None
    to_agent: Name | None = None
    deal_id: Id | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.to_queue is None and self.to_agent is None:
            raise ValueError("call.transferred needs `to_queue` or `to_agent`")


class CallEnded(Event, tag="call.ended"):
    call_id: Id
    deal_id: Id | None = None


class CallWrapupEnded(Event, tag="call.wrapup_ended"):
    call_id: Id
    deal_id: Id | None = None


class CallAbandoned(Event, tag="call.abandoned"):
    call_id: Id
    queue: Name | None = None
    deal_id: Id | None = None


class CallLeftQueue(Event, tag="call.left_queue"):
    call_id: Id
    reason: Reason
    queue: Name | None = None
    deal_id: Id | None = None


class CallDialed(Event, tag="call.dialed"):
    call_id: Id
    agent: Name
    queue: Name | None = None
    deal_id: Id | None = None
    caller: Caller | None = None
    """The number called (outbound)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.caller is not None:
            self.caller = clean_caller(self.caller)


class CallConnected(Event, tag="call.connected"):
    call_id: Id
    agent: Name
    queue: Name | None = None
    deal_id: Id | None = None
    caller: Caller | None = None
    """The number called (outbound)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.caller is not None:
            self.caller = clean_caller(self.caller)


class AgentLogin(Event, tag="agent.login"):
    agent: Name
    name: Name | None = None


class AgentLogout(Event, tag="agent.logout"):
    agent: Name


class AgentState(Event, tag="agent.state"):
    """`state` is `available` or a not-ready state (`break`, `away`, `training`, ...)."""

    agent: Name
    state: Reason
    reason: Reason | None = None


class DealClosed(Event, tag="deal.closed"):
    agent: Name
    amount: Annotated[float, msgspec.Meta(ge=0, le=1e12)]
    call_id: Id | None = None
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)] | None = None


class CsatSubmitted(Event, tag="csat.submitted"):
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    call_id: Id | None = None
    agent: Name | None = None


Amount = Annotated[float, msgspec.Meta(ge=0, le=1e12)]
Currency = Annotated[str, msgspec.Meta(min_length=3, max_length=3)]


class DealCreated(Event, tag="deal.created"):
    """A lead or deal enters a pipeline at `stage`; `amount` is its expected value."""

    deal_id: Id
    agent: Name | None = None
    stage: Name = "new"
    pipeline: Name = "default"
    amount: Amount | None = None
    currency: Currency | None = None
    source: Name | None = None


class DealStageChanged(Event, tag="deal.stage_changed"):
    """The deal moves to `stage`; `agent` is its new owner when it changes hands."""

    deal_id: Id
    stage: Name
    agent: Name | None = None


class DealWon(Event, tag="deal.won"):
    """Won; `amount` is the final value (the expected value when absent)."""

    deal_id: Id
    amount: Amount | None = None
    agent: Name | None = None
    call_id: Id | None = None


class DealLost(Event, tag="deal.lost"):
    deal_id: Id
    reason: Name | None = None
    agent: Name | None = None


class CallbackDismissed(Event, tag="callback.dismissed"):
    """A supervisor takes an entry off the call-back list (no call-back needed), with a reason.
    The API sends it (`POST /v1/callbacks/{id}/dismiss`); it goes through the log like every
    event, so the list stays a function of the log."""

    callback_id: Annotated[int, msgspec.Meta(ge=1, le=2**53)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class CallTranscript(Event, tag="call.transcript"):
    """A transcript segment of a call (docs/phrases.md). `offset_ms` counts from the call's
    start; `final` false marks a partial result, which phrase spotting ignores; `sentiment` is
    the platform's reading of the segment, kept when it sends one."""

    call_id: Id
    role: Literal["agent", "customer"]
    text: Annotated[str, msgspec.Meta(max_length=TRANSCRIPT_TEXT_MAX)]
    offset_ms: Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)] | None = None
    agent: Name | None = None
    final: bool = True
    language: Annotated[str, msgspec.Meta(min_length=2, max_length=35)] | None = None
    sentiment: Literal["positive", "neutral", "negative", "mixed"] | None = None


AnyEvent = (
    CallQueued
    | CallRinging
    | CallAnswered
    | CallHold
    | CallResumed
    | CallTransferred
    | CallEnded
    | CallWrapupEnded
    | CallAbandoned
    | CallLeftQueue
    | CallDialed
    | CallConnected
    | AgentLogin
    | AgentLogout
    | AgentState
    | DealClosed
    | CsatSubmitted
    | DealCreated
    | DealStageChanged
    | DealWon
    | DealLost
    | CallbackDismissed
    | CallTranscript
)

EVENT_TYPES: Final[tuple[type[Event], ...]] = AnyEvent.__args__
EVENT_TYPE_NAMES: Final[tuple[str, ...]] = tuple(str(t.__struct_config__.tag) for t in EVENT_TYPES)


def event_type(event: Event) -> str:
    """The `type` tag of an event (e.g. `call.queued`)."""
    return str(type(event).__struct_config__.tag)
