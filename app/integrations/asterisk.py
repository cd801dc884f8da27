"""Asterisk `queue_log` lines as canonical events.

Asterisk (app_queue) appends one line per queue event to /var/log/asterisk/queue_log:

    epoch|callid|queuename|agent|event|data1|data2|...

`epoch` is a UNIX time in seconds, `callid` the caller channel's uniqueid (`NONE` for member
and system events), `agent` the member name as app_queue knows it (`NONE` for caller events).
The data fields depend on the event and on the Asterisk version; this adapter reads every
layout from 1.4 to 22:

| event | data | canonical |
|---|---|---|
| ENTERQUEUE | url, callerid[, origposition[, callername]] | call.queued |
| CONNECT | holdtime[, bridged uniqueid[, ringtime s]] (1.4: no ringtime) | call.answered |
| COMPLETECALLER, COMPLETEAGENT | holdtime, calltime[, origposition] | ended, wrapup_ended |
| ABANDON | position, origposition, waittime | call.abandoned |
| EXITEMPTY, EXITWITHTIMEOUT | position, origposition, waittime | call.left_queue |
| EXITWITHKEY | key, position[, origposition, waittime] | call.left_queue (key) |
| WITHDRAW | position, origposition, waittime[, info] | call.left_queue (withdraw) |
| SYSCOMPAT | (none) | call.left_queue (syscompat) |
| BLINDTRANSFER (12+) | extension, context, holdtime, calltime, origposition | transferred, ended* |
| TRANSFER (<= 11) | extension, context[, holdtime, calltime[, origpos]] | transferred, ended* |
| ATTENDEDTRANSFER (12+) | method, target(s), holdtime, calltime, origpos | transferred, ended* |
| PAUSE / UNPAUSE | [reason] | agent.state break (reason) / available |
| ADDMEMBER, AGENTLOGIN, AGENTCALLBACKLOGIN | | agent.login |
| REMOVEMEMBER, AGENTLOGOFF, AGENTCALLBACKLOGOFF | | agent.logout |

Wrap-up: queue_log has no line for it. app_queue keeps a member from the next call for the
queue's `wrapuptime` after a call (0, no wrap-up, unless `queues.conf` sets it), so
`call.wrapup_ended` follows each COMPLETECALLER/COMPLETEAGENT `wrapup_seconds` later (pass the
`wrapuptime`; 0 by default, Asterisk's own default). With `wrapup_seconds=None` none is sent:
each Floorwatch queue's wrap-up limit (`wrapup_s`, set to the queue's `wrapuptime`) ends the
wrap-up, on the aggregator's clock. *A transfer hands the call out of the queue
to a destination that is not a member: its `call.ended` comes with `call.wrapup_ended` at the
same instant, so the call is done there (the transferring member's leg already ended, without
wrap-up, at the transfer).

ATTENDEDTRANSFER names its method: `BRIDGE` (target: the bridge id), `APP` (the application)
or `LINK` (two Local channels). Asterisk logs no agent or queue for a transfer's destination, so
`call.transferred.to_agent` holds the destination as logged: `extension@context` for blind
transfers, `METHOD:target[,target]` for attended ones; it is not an agent id.

Events that change nothing Floorwatch tracks are counted in `skipped` under their own name:
RINGNOANSWER (ring time in ms) and RINGCANCELED (Asterisk does not log when the ringing
started, so no `call.ringing` can be placed in time), PAUSEALL / UNPAUSEALL (app_queue logs a
PAUSE / UNPAUSE line for every queue of the member right after, with the member name that
CONNECT lines use), AGENTDUMP (the caller stays in the queue), JOINEMPTY / JOINUNAVAIL / FULL
(the caller never entered the queue), QUEUESTART, CONFIGRELOAD, PENALTY, RINGINUSE and INFO.
Any other event (a custom `QueueLog()` event) is counted as `unknown event NAME`.

Agent names are kept exactly as Asterisk writes them (`SIP/1001`, `PJSIP/alice`,
`Local/1001@agents/n`, `Agent/1001`, or a member name). Agent changes are logged once per queue
the member is in; their event ids depend on time, agent and change only, so the copies collapse
into one event. Call event ids hash the whole line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

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
    CallLeftQueue,
    CallQueued,
    CallTransferred,
    CallWrapupEnded,
)
from app.integrations.common import ParseResult, digest_id, truncate, wrapup_ms

NONE: Final = "NONE"
NAME_LIMIT: Final = 128
REASON_LIMIT: Final = 64
UNKNOWN_NAME_LIMIT: Final = 40

NO_STATE_CHANGE: Final = frozenset(
    {
        "RINGNOANSWER",
        "RINGCANCELED",
        "PAUSEALL",
        "UNPAUSEALL",
        "AGENTDUMP",
        "JOINEMPTY",
        "JOINUNAVAIL",
        "FULL",
        "QUEUESTART",
        "CONFIGRELOAD",
        "PENALTY",
        "RINGINUSE",
        "INFO",
    }
)
AGENT_REPEATED: Final = "agent change repeated for another queue"

_EPOCH = re.compile(r"\d{1,12}")
_INTEGER = re.compile(r"-?\d{1,12}")


class LineFormatError(ValueError):
    """A queue_log line that does not follow the layout Asterisk writes."""


def _shown(value: str) -> str:
    """A field value quoted in an error message, clipped so that messages stay short."""
    return repr(value[:40])


@dataclass(frozen=True, slots=True)
class QueueLogRecord:
    """One queue_log line split into its fields."""

    line: str
    epoch: int
    call_id: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]

    @property
    def ms(self) -> int:
        return self.epoch * 1000


def split_queue_log_line(line: str) -> QueueLogRecord:
    """Split one line (its line end, if any, is ignored). Raises `LineFormatError`."""
    text = line.rstrip("\r\n")
    fields = text.split("|")
    if len(fields) < 5:
        raise LineFormatError(
            f"expected at least 5 '|'-separated fields "
            f"(epoch|callid|queuename|agent|event), got {len(fields)}"
        )
    epoch, call_id, queue, agent, event, *data = fields
    if not _EPOCH.fullmatch(epoch) or int(epoch) * 1000 > MAX_TS_MS:
        raise LineFormatError(f"field 1: expected a UNIX time in seconds, got {_shown(epoch)}")
    if not event:
        raise LineFormatError("field 5: expected an event name, got an empty field")
    return QueueLogRecord(text, int(epoch), call_id, queue, agent, event, tuple(data))


def parse_queue_log(
    lines: Iterable[str], start_line: int = 1, *, wrapup_seconds: int | None = 0
) -> ParseResult:
    """Turn queue_log lines into canonical events, in file order.

    `start_line` is the line number of the first line given (a tailer or an HTTP batch that
    starts mid-file passes its offset so that errors point at the right line). Blank lines are
    ignored. `wrapup_seconds` is the queues' `wrapuptime` (see the module docstring; clipped to
    0..MAX_WRAPUP_SECONDS), or None to leave the end of wrap-up to the queues' limits. Never
    raises on content: malformed lines become `errors`, lines without a canonical meaning are
    counted in `skipped`.
    """
    wrapup = wrapup_ms(wrapup_seconds)
    result = ParseResult()
    for line_no, line in enumerate(lines, start=start_line):
        if not line.strip():
            continue
        try:
            record = split_queue_log_line(line)
            handler = _HANDLERS.get(record.event)
            if handler is None:
                result.skip(f"unknown event {record.event[:UNKNOWN_NAME_LIMIT]}")
                continue
            events = handler(record)
            if record.event in _WRAPUP_AFTER and events:
                after = wrapup if _WRAPUP_AFTER[record.event] else 0
                if after is not None:
                    events.append(_wrapup_ended(record, after))
        except LineFormatError as exc:
            result.error(line_no, str(exc))
            continue
        if not events:
            result.skip(record.event)
        for event in events:
            if isinstance(event, AgentLogin | AgentLogout | AgentState):
                result.add(line_no, event, duplicate_reason=AGENT_REPEATED)
            else:
                result.add(line_no, event)
    return result


Handler = Callable[[QueueLogRecord], list[AnyEvent]]


def _call_id(record: QueueLogRecord) -> str:
    if record.call_id in ("", NONE):
        raise LineFormatError(
            f"{record.event}: expected the caller's uniqueid in field 2, "
            f"got {_shown(record.call_id)}"
        )
    return record.call_id


def _queue(record: QueueLogRecord) -> str:
    if record.queue in ("", NONE):
        raise LineFormatError(
            f"{record.event}: expected a queue name in field 3, got {_shown(record.queue)}"
        )
    return record.queue


def _agent(record: QueueLogRecord) -> str:
    if record.agent in ("", NONE):
        raise LineFormatError(
            f"{record.event}: expected an agent in field 4, got {_shown(record.agent)}"
        )
    return record.agent


def _optional_agent(record: QueueLogRecord) -> str | None:
    return None if record.agent in ("", NONE) else record.agent


def _expect(record: QueueLogRecord, layout: str, minimum: int, integers: Sequence[int]) -> None:
    """Check that the data holds at least `minimum` fields and integers at `integers`
    (0-based data positions, checked where present)."""
    data = record.data
    if len(data) < minimum or any(
        i < len(data) and not _INTEGER.fullmatch(data[i]) for i in integers
    ):
        shown = "|".join(data)[:80]
        raise LineFormatError(f"{record.event}: expected data {layout}, got {shown!r}")


def _call_event_id(record: QueueLogRecord, kind: str) -> str:
    return f"{digest_id('ast', record.line)}:{kind}"


def _agent_event_id(record: QueueLogRecord, agent: str, kind: str, *detail: str) -> str:
    return f"{digest_id('ast', str(record.epoch), agent, kind, *detail)}:{kind}"


def _enterqueue(record: QueueLogRecord) -> list[AnyEvent]:
    call_id, queue = _call_id(record), _queue(record)
    caller = caller_from_platform(record.data[1]) if len(record.data) > 1 else None
    return [
        CallQueued(
            id=_call_event_id(record, "queued"),
            ts=record.ms,
            call_id=call_id,
            queue=queue,
            caller=caller,
        )
    ]


def _connect(record: QueueLogRecord) -> list[AnyEvent]:
    call_id, queue = _call_id(record), _queue(record)
    _expect(record, "holdtime[|bridgeduniqueid[|ringtime]]", 1, (0, 2))
    agent = _optional_agent(record)
    return [
        CallAnswered(
            id=_call_event_id(record, "answered"),
            ts=record.ms,
            call_id=call_id,
            agent=None if agent is None else truncate(agent, NAME_LIMIT),
            queue=queue,
        )
    ]


def _complete(record: QueueLogRecord) -> list[AnyEvent]:
    call_id = _call_id(record)
    _queue(record)
    _expect(record, "holdtime|calltime[|origposition]", 2, (0, 1, 2))
    return [CallEnded(id=_call_event_id(record, "ended"), ts=record.ms, call_id=call_id)]


def _wrapup_ended(record: QueueLogRecord, after_ms: int) -> CallWrapupEnded:
    return CallWrapupEnded(
        id=_call_event_id(record, "wrapup_ended"),
        ts=min(record.ms + after_ms, MAX_TS_MS),
        call_id=_call_id(record),
    )


def _abandon(record: QueueLogRecord) -> list[AnyEvent]:
    call_id, queue = _call_id(record), _queue(record)
    _expect(record, "position|origposition|waittime", 3, (0, 1, 2))
    return [
        CallAbandoned(
            id=_call_event_id(record, "abandoned"), ts=record.ms, call_id=call_id, queue=queue
        )
    ]


def _left_queue(reason: str, layout: str, minimum: int, integers: Sequence[int]) -> Handler:
    def handle(record: QueueLogRecord) -> list[AnyEvent]:
        call_id, queue = _call_id(record), _queue(record)
        _expect(record, layout, minimum, integers)
        return [
            CallLeftQueue(
                id=_call_event_id(record, "left_queue"),
                ts=record.ms,
                call_id=call_id,
                reason=reason,
                queue=queue,
            )
        ]

    return handle


def _transfer_events(record: QueueLogRecord, destination: str) -> list[AnyEvent]:
    call_id = _call_id(record)
    _queue(record)
    return [
        CallTransferred(
            id=_call_event_id(record, "transferred"),
            ts=record.ms,
            call_id=call_id,
            to_agent=truncate(destination, NAME_LIMIT),
        ),
        CallEnded(id=_call_event_id(record, "ended"), ts=record.ms, call_id=call_id),
    ]


def _blind_transfer(record: QueueLogRecord) -> list[AnyEvent]:
    _expect(record, "extension|context|holdtime|calltime|origposition", 4, (2, 3, 4))
    return _transfer_events(record, _extension_at_context(record))


def _legacy_transfer(record: QueueLogRecord) -> list[AnyEvent]:
    _expect(record, "extension|context[|holdtime|calltime[|origposition]]", 2, (2, 3, 4))
    return _transfer_events(record, _extension_at_context(record))


def _extension_at_context(record: QueueLogRecord) -> str:
    extension, context = record.data[0], record.data[1]
    if not extension:
        raise LineFormatError(f"{record.event}: expected a destination extension, got ''")
    return f"{extension}@{context}" if context else extension


def _attended_transfer(record: QueueLogRecord) -> list[AnyEvent]:
    method = record.data[0] if record.data else ""
    targets = {"BRIDGE": 1, "APP": 1, "LINK": 2}.get(method)
    if targets is None:
        raise LineFormatError(
            f"{record.event}: expected method BRIDGE, APP or LINK in data 1, got {_shown(method)}"
        )
    layout = f"{method}|{'|'.join(['target'] * targets)}|holdtime|calltime|origposition"
    _expect(record, layout, targets + 4, (targets + 1, targets + 2, targets + 3))
    return _transfer_events(record, f"{method}:{','.join(record.data[1 : targets + 1])}")


def _pause(record: QueueLogRecord) -> list[AnyEvent]:
    agent = truncate(_agent(record), NAME_LIMIT)
    reason = truncate(record.data[0], REASON_LIMIT) if record.data and record.data[0] else None
    return [
        AgentState(
            id=_agent_event_id(record, agent, "state", "break", reason or ""),
            ts=record.ms,
            agent=agent,
            state="break",
            reason=reason,
        )
    ]


def _unpause(record: QueueLogRecord) -> list[AnyEvent]:
    agent = truncate(_agent(record), NAME_LIMIT)
    return [
        AgentState(
            id=_agent_event_id(record, agent, "state", "available"),
            ts=record.ms,
            agent=agent,
            state="available",
        )
    ]


def _login(record: QueueLogRecord) -> list[AnyEvent]:
    agent = truncate(_agent(record), NAME_LIMIT)
    return [AgentLogin(id=_agent_event_id(record, agent, "login"), ts=record.ms, agent=agent)]


def _logout(record: QueueLogRecord) -> list[AnyEvent]:
    agent = truncate(_agent(record), NAME_LIMIT)
    return [AgentLogout(id=_agent_event_id(record, agent, "logout"), ts=record.ms, agent=agent)]


def _ring_no_answer(record: QueueLogRecord) -> list[AnyEvent]:
    _expect(record, "ringtime (milliseconds)", 1, (0,))
    return []


def _ring_canceled(record: QueueLogRecord) -> list[AnyEvent]:
    if record.data and record.data[0]:
        _expect(record, "[ringtime (milliseconds)]", 0, (0,))
    return []


def _no_state_change(record: QueueLogRecord) -> list[AnyEvent]:
    return []


_WRAPUP_AFTER: Final = {
    "COMPLETECALLER": True,
    "COMPLETEAGENT": True,
    "BLINDTRANSFER": False,
    "TRANSFER": False,
    "ATTENDEDTRANSFER": False,
}
"""Lines that end a call, and whether its end of wrap-up comes `wrapup_seconds` after them
(a completed call) or at once (a transfer)."""

_HANDLERS: Final[dict[str, Handler]] = {
    "ENTERQUEUE": _enterqueue,
    "CONNECT": _connect,
    "COMPLETECALLER": _complete,
    "COMPLETEAGENT": _complete,
    "ABANDON": _abandon,
    "EXITEMPTY": _left_queue("empty", "position|origposition|waittime", 3, (0, 1, 2)),
    "EXITWITHTIMEOUT": _left_queue("timeout", "position|origposition|waittime", 3, (0, 1, 2)),
    "EXITWITHKEY": _left_queue("key", "key|position[|origposition|waittime]", 2, (1, 2, 3)),
    "WITHDRAW": _left_queue("withdraw", "position|origposition|waittime[|info]", 3, (0, 1, 2)),
    "SYSCOMPAT": _left_queue("syscompat", "(none)", 0, ()),
    "BLINDTRANSFER": _blind_transfer,
    "TRANSFER": _legacy_transfer,
    "ATTENDEDTRANSFER": _attended_transfer,
    "PAUSE": _pause,
    "UNPAUSE": _unpause,
    "ADDMEMBER": _login,
    "AGENTLOGIN": _login,
    "AGENTCALLBACKLOGIN": _login,
    "REMOVEMEMBER": _logout,
    "AGENTLOGOFF": _logout,
    "AGENTCALLBACKLOGOFF": _logout,
    "RINGNOANSWER": _ring_no_answer,
    "RINGCANCELED": _ring_canceled,
    **dict.fromkeys(NO_STATE_CHANGE - {"RINGNOANSWER", "RINGCANCELED"}, _no_state_change),
}
