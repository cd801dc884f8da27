"""FreeSWITCH mod_callcenter events (`CUSTOM callcenter::info`) as canonical events.

The events arrive as JSON objects with string values, exactly as mod_event_socket renders them
for `event json CHANNEL_HOLD CHANNEL_UNHOLD CUSTOM callcenter::info` (after `CUSTOM` come
subclass names) and an ESL forwarder posts them (see `json_records` for the accepted
envelopes). Header names follow mod_callcenter.c.

- The call id is `CC-Member-UUID` (the queue member, stable while the caller waits and talks;
  `CC-Caller-UUID` in 2010-era builds); the queue is `CC-Queue` (`CC-Name` in old builds); the
  agent is `CC-Agent` (`CC-Name` in the agent events of old builds). Time is
  `Event-Date-Timestamp`, in microseconds.
- `member-queue-start` (and `member-queue-resume`, a caller restored to an earlier place) is
  `call.queued`; `agent-offering` is `call.ringing`; `bridge-agent-start` is `call.answered`;
  `bridge-agent-end` is `call.ended`.
- mod_callcenter has no wrap-up event: it simply offers the agent no call for the queue's or the
  agent's `wrap-up-time` after the bridge ends. `call.wrapup_ended` is therefore placed
  `wrapup_seconds` after the end (0 by default: no wrap-up). Pass the configured wrap-up time,
  or None to send none and let each Floorwatch queue's wrap-up limit (`wrapup_s`) end it.
- `member-queue-end` with `CC-Cause: Terminated` repeats the end of an answered call (same event
  ids, so it only matters when `bridge-agent-end` was lost). With `CC-Cause: Cancel` the caller
  left without an agent, and `CC-Cancel-Reason` says why: `TIMEOUT` (the queue's
  `max-wait-time`) is `call.left_queue` `timeout`, `NO_AGENT_TIMEOUT` is `call.left_queue`
  `no_agent`, `EXIT_WITH_KEY` is `call.left_queue` `key`; `BREAK_OUT` (the channel left the
  queue application) is `call.abandoned` when the caller hung up, recognised by the channel
  headers (`Answer-State: hangup` or `Channel-Call-State: HANGUP`) or their absence, and
  `call.left_queue` `break_out` when the channel is still up (the dialplan moved it elsewhere).
- `agent-status-change` with `CC-Agent-Status`: `Logged Out` is `agent.logout`; `Available` and
  `Available (On Demand)` are `agent.state` `available`; `On Break` (and any other status) is
  `agent.state` `break` with the status as the reason. Stock mod_callcenter does not say what
  the previous status was, so a login is implicit in the first status after `Logged Out`; when
  the event carries `CC-Agent-Last-Status: Logged Out` (some builds do), `agent.login` comes
  first.
- `agent-state-change` (`Waiting`, `Receiving`, `In a queue call`, `Idle`) is the per-call phase
  that the call events already give, and is skipped, as are `bridge-agent-fail`,
  `members-count` and every other action.
- Holds: mod_callcenter reports none, but the core's `CHANNEL_HOLD`/`CHANNEL_UNHOLD` events on
  a queue call carry `variable_cc_member_uuid` (channel variables are in events only with
  `verbose_events=true` on the channel) and become `call.hold`/`call.resumed`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

import msgspec

from app.events.caller_numbers import caller_from_platform
from app.events.schemas import (
    MAX_TS_MS,
    AgentLogin,
    AgentLogout,
    AgentState,
    AnyEvent,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallHold,
    CallLeftQueue,
    CallQueued,
    CallResumed,
    CallRinging,
    CallWrapupEnded,
)
from app.integrations.common import ParseResult, digest_id, truncate, wrapup_ms
from app.integrations.json_records import split_json_records

NAMESPACE: Final = "freeswitch"
SUBCLASS: Final = "callcenter::info"
REASON_LIMIT: Final = 64
NAME_LIMIT: Final = 128
LOGGED_OUT: Final = "logged out"
AVAILABLE_STATUSES: Final = frozenset({"available", "available (on demand)"})
CANCEL_REASONS: Final = {
    "TIMEOUT": "timeout",
    "NO_AGENT_TIMEOUT": "no_agent",
    "EXIT_WITH_KEY": "key",
}

Scalar = str | int | float | bool | None


class EventError(ValueError):
    """An event that lacks a header its action needs."""


class Headers:
    """The headers of one event, every value as text (ESL JSON renders them so anyway)."""

    def __init__(self, raw: Mapping[str, Scalar]) -> None:
        self._raw = raw

    def get(self, *names: str) -> str:
        for name in names:
            value = self._raw.get(name)
            if value is not None and not isinstance(value, bool):
                text = str(value).strip()
                if text:
                    return text
        return ""

    def need(self, name: str, *fallbacks: str, action: str) -> str:
        value = self.get(name, *fallbacks)
        if not value:
            raise EventError(f"{action} event without {name}")
        return value


def parse_callcenter_events(body: bytes | str, *, wrapup_seconds: int | None = 0) -> ParseResult:
    """Turn a batch of mod_callcenter (and channel hold) events into canonical events.

    Never raises. `wrapup_seconds` is the configured `wrap-up-time`, or None to leave the end
    of wrap-up to the queues' wrap-up limits (see the module docstring).
    """
    result = ParseResult()
    wrapup = wrapup_ms(wrapup_seconds)
    raw = split_json_records(body)
    result.errors.extend(raw.errors)
    for number, record_json in raw.records:
        try:
            record = msgspec.json.decode(record_json, type=dict[str, Scalar])
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            result.error(number, f"expected an event as a JSON object of headers: {exc}")
            continue
        headers = Headers(record)
        try:
            events = list(_events(headers, wrapup))
        except EventError as exc:
            result.error(number, str(exc))
            continue
        if not events:
            result.skip(_skip_reason(headers))
        for event in events:
            result.add(number, event)
    result.errors.sort(key=lambda error: error.line_no)
    return result


def _skip_reason(headers: Headers) -> str:
    name = headers.get("Event-Name")
    subclass = headers.get("Event-Subclass")
    action = headers.get("CC-Action")
    if name in ("CHANNEL_HOLD", "CHANNEL_UNHOLD"):
        reason = f"{name} outside a queue call"
    elif subclass and subclass != SUBCLASS:
        reason = f"Event-Subclass {subclass}"
    elif action:
        reason = f"CC-Action {action}"
    else:
        reason = f"Event-Name {name or '(none)'}"
    return truncate(reason, REASON_LIMIT)


def _event_ms(headers: Headers, action: str) -> int:
    raw = headers.need("Event-Date-Timestamp", action=action)
    if not raw.isdigit():
        raise EventError(f"{action}: Event-Date-Timestamp {raw[:40]!r} is not microseconds")
    ms = int(raw) // 1000
    if ms > MAX_TS_MS:
        raise EventError(f"{action}: Event-Date-Timestamp {raw[:40]!r} is out of range")
    return ms


def _events(headers: Headers, wrapup_ms: int | None) -> Iterator[AnyEvent]:
    name = headers.get("Event-Name")
    if name in ("CHANNEL_HOLD", "CHANNEL_UNHOLD"):
        yield from _hold(headers, name)
        return
    action = headers.get("CC-Action")
    subclass = headers.get("Event-Subclass")
    if not action or (name and name != "CUSTOM") or (subclass and subclass != SUBCLASS):
        return
    if action in ("member-queue-start", "member-queue-resume"):
        yield _queued(headers, action)
    elif action == "agent-offering":
        yield _ringing(headers, action)
    elif action == "bridge-agent-start":
        yield _answered(headers, action)
    elif action == "bridge-agent-end":
        yield from _ended(headers, action, wrapup_ms)
    elif action == "member-queue-end":
        yield from _member_left(headers, action, wrapup_ms)
    elif action == "agent-status-change":
        yield from _status(headers, action)


def _member(headers: Headers, action: str) -> str:
    return truncate(headers.need("CC-Member-UUID", "CC-Caller-UUID", action=action), NAME_LIMIT)


def _queue(headers: Headers) -> str | None:
    return truncate(headers.get("CC-Queue", "CC-Name"), NAME_LIMIT) or None


def _agent(headers: Headers, action: str) -> str:
    return truncate(headers.need("CC-Agent", "CC-Name", action=action), NAME_LIMIT)


def _queued(headers: Headers, action: str) -> CallQueued:
    member = _member(headers, action)
    queue = _queue(headers)
    if queue is None:
        raise EventError(f"{action} event without CC-Queue")
    ts = _event_ms(headers, action)
    kind = "queued" if action == "member-queue-start" else f"resumed-in-queue-{ts}"
    return CallQueued(
        id=digest_id(NAMESPACE, member, kind),
        ts=ts,
        call_id=member,
        queue=queue,
        caller=caller_from_platform(headers.get("CC-Member-CID-Number")),
    )


def _ringing(headers: Headers, action: str) -> CallRinging:
    member = _member(headers, action)
    agent = _agent(headers, action)
    return CallRinging(
        id=digest_id(NAMESPACE, member, "ringing", agent),
        ts=_event_ms(headers, action),
        call_id=member,
        agent=agent,
        queue=_queue(headers),
    )


def _answered(headers: Headers, action: str) -> CallAnswered:
    member = _member(headers, action)
    return CallAnswered(
        id=digest_id(NAMESPACE, member, "answered"),
        ts=_event_ms(headers, action),
        call_id=member,
        agent=_agent(headers, action),
        queue=_queue(headers),
    )


def _ended(headers: Headers, action: str, wrapup_ms: int | None) -> Iterator[AnyEvent]:
    member = _member(headers, action)
    ts = _event_ms(headers, action)
    yield CallEnded(id=digest_id(NAMESPACE, member, "ended"), ts=ts, call_id=member)
    if wrapup_ms is None:
        return
    wrapup_ts = min(ts + wrapup_ms, MAX_TS_MS)
    yield CallWrapupEnded(
        id=digest_id(NAMESPACE, member, "wrapup_ended"), ts=wrapup_ts, call_id=member
    )


def _member_left(headers: Headers, action: str, wrapup_ms: int | None) -> Iterator[AnyEvent]:
    cause = headers.need("CC-Cause", action=action)
    if cause == "Terminated":
        yield from _ended(headers, action, wrapup_ms)
        return
    if cause != "Cancel":
        raise EventError(f"{action}: CC-Cause {cause[:40]!r}, expected Terminated or Cancel")
    member = _member(headers, action)
    ts = _event_ms(headers, action)
    queue = _queue(headers)
    reason = _cancel_reason(headers)
    event_id = digest_id(NAMESPACE, member, "left")
    if reason is None:
        yield CallAbandoned(id=event_id, ts=ts, call_id=member, queue=queue)
    else:
        yield CallLeftQueue(id=event_id, ts=ts, call_id=member, reason=reason, queue=queue)


def _cancel_reason(headers: Headers) -> str | None:
    """None for a caller who hung up; otherwise the `call.left_queue` reason."""
    code = headers.get("CC-Cancel-Reason") or "NONE"
    if code in CANCEL_REASONS:
        return CANCEL_REASONS[code]
    if code in ("BREAK_OUT", "NONE"):
        answer_state = headers.get("Answer-State").casefold()
        call_state = headers.get("Channel-Call-State").upper()
        still_up = bool(answer_state or call_state) and answer_state != "hangup"
        still_up = still_up and call_state != "HANGUP"
        return "break_out" if still_up else None
    return truncate(code.lower(), REASON_LIMIT)


def _status(headers: Headers, action: str) -> Iterator[AnyEvent]:
    agent = _agent(headers, action)
    status = headers.need("CC-Agent-Status", action=action)
    ts = _event_ms(headers, action)
    sequence = headers.get("Event-Sequence")
    core = headers.get("Core-UUID")
    identity = (core, sequence) if core and sequence else (agent, status, str(ts))
    name = status.casefold()
    if name == LOGGED_OUT:
        yield AgentLogout(id=digest_id(NAMESPACE, *identity, "logout"), ts=ts, agent=agent)
        return
    if headers.get("CC-Agent-Last-Status").casefold() == LOGGED_OUT:
        yield AgentLogin(id=digest_id(NAMESPACE, *identity, "login"), ts=ts, agent=agent)
    if name in AVAILABLE_STATUSES:
        state, reason = "available", None
    else:
        state, reason = "break", truncate(status, REASON_LIMIT)
    yield AgentState(
        id=digest_id(NAMESPACE, *identity, "state"), ts=ts, agent=agent, state=state, reason=reason
    )


def _hold(headers: Headers, name: str) -> Iterator[AnyEvent]:
    member = truncate(headers.get("variable_cc_member_uuid"), NAME_LIMIT)
    if not member:
        return
    ts = _event_ms(headers, name)
    if name == "CHANNEL_HOLD":
        yield CallHold(id=digest_id(NAMESPACE, member, "hold", str(ts)), ts=ts, call_id=member)
    else:
        yield CallResumed(
            id=digest_id(NAMESPACE, member, "resumed", str(ts)), ts=ts, call_id=member
        )
