"""Twilio TaskRouter event callbacks (and conference hold callbacks) as canonical events.

TaskRouter posts one form-encoded callback per event to the Workspace's Event Callback URL
(parameters as in the "TaskRouter Events reference"). A task is a call: the call id is `TaskSid`,
the agent is the worker (`WorkerName` by default, `WorkerSid` on request).

- `task-queue.entered` is `call.queued` in `TaskQueueName` (else `TaskQueueSid`); a task that
  moves on to another queue enters that one too, with the same call id.
- `reservation.created` is `call.ringing`; `reservation.accepted` is `call.answered`. A rejected,
  timed-out, canceled or rescinded reservation produces nothing (the canonical model has no
  "ring without answer" event); `reservation.wrapup`/`.completed` repeat the task events.
- `task.wrapup` is `call.ended` (the worker starts wrap-up); `task.completed` is
  `call.wrapup_ended`, and `call.ended` too with the same id as the wrap-up one, so a task that
  completes without a wrap-up phase still ends and one that had it is not ended twice.
- `task.canceled` (only a task that was never assigned can be canceled) is `call.abandoned` when
  `TaskCanceledReason` says the caller hung up (`hangup`, as `<Enqueue>` sets it), `call.left_queue`
  with reason `timeout` when the task's TTL or the workflow timed out, and `call.left_queue` with
  reason `canceled` otherwise: an unexplained cancel is not counted as an abandon.
- `worker.activity.update` and `worker.created` map the activity by name: `Offline` is
  `agent.logout`, `Available` (and `Idle`, the old default) is `agent.state` `available`, and any
  other activity is `agent.state` `break` with the activity name as the reason. Activities that
  old single-tasking workspaces use for the call itself (`Busy`, `Reserved`, `WrapUp`) produce
  nothing: call events already carry that. Leaving `Offline` is `agent.login` first when the
  callback names the previous activity (`WorkerPreviousActivityName`).
- Time is `TimestampMs` when present, else `Timestamp` (epoch seconds).
- TaskRouter has no hold events. Holds come from the conference status callback
  (`StatusCallbackEvent` `participant-hold`/`participant-unhold`, with `hold` in the
  conference's `statusCallbackEvent`): the call id is the conference `FriendlyName`, which Flex
  and the TaskRouter conference instruction set to the Task SID. Time is the callback's RFC 2822
  `Timestamp`. Holds of a participant labelled other than `customer` are ignored.
- Every other event is counted as skipped by its type.

`validate_twilio_signature` checks `X-Twilio-Signature` as Twilio documents it: HMAC-SHA1, keyed
with the account's auth token, over the full URL followed by each POST parameter name and value
in parameter-name order, base64-encoded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Final, Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

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
    datetime_to_ms,
)
from app.integrations.common import ParseResult, digest_id, truncate

NAMESPACE: Final = "twilio"
REASON_LIMIT: Final = 64
NAME_LIMIT: Final = 128
OFFLINE: Final = "offline"
AVAILABLE_ACTIVITIES: Final = frozenset({"available", "idle"})
CALL_ACTIVITIES: Final = frozenset({"busy", "reserved", "wrapup", "wrap up", "wrap-up", "wrapping"})
HANGUP_WORDS: Final = ("hangup", "hung up", "hang up", "abandon", "caller")
TIMEOUT_WORDS: Final = ("ttl", "timeout", "timed out", "workflow")
DEFAULT_PORTS: Final = {"https": 443, "http": 80}

AgentField = Literal["WorkerName", "WorkerSid"]


class CallbackError(ValueError):
    """A callback that lacks a parameter its event type needs."""


# --- signature ----------------------------------------------------------------------------


def validate_twilio_signature(
    auth_token: str, url: str, params: Mapping[str, str], signature: str
) -> bool:
    """True if `signature` (the `X-Twilio-Signature` header) signs this URL and these parameters.

    `url` is the full URL Twilio requested, query string included, exactly as configured in
    Twilio (behind a TLS-terminating proxy that is the public `https://` URL, not the one the
    app sees). As Twilio's own validators do, the URL is also tried without its port and with
    the scheme's default port, since Twilio may sign either form.
    """
    expected = signature.encode()
    matched = False
    for candidate in _url_variants(url):
        computed = compute_twilio_signature(auth_token, candidate, params).encode()
        matched |= hmac.compare_digest(computed, expected)
    return matched


def compute_twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The `X-Twilio-Signature` Twilio sends for a POST of `params` to `url`."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    variants = [url]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return variants
    host = parts.hostname
    if host is None:
        return variants
    netloc_host = f"[{host}]" if ":" in host else host
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    without_port = urlunsplit(parts._replace(netloc=prefix + netloc_host))
    variants.append(without_port)
    default_port = DEFAULT_PORTS.get(parts.scheme)
    if port is None and default_port is not None:
        with_port = prefix + f"{netloc_host}:{default_port}"
        variants.append(urlunsplit(parts._replace(netloc=with_port)))
    return variants


def parse_form(body: bytes | str) -> dict[str, str]:
    """Decode an `application/x-www-form-urlencoded` callback body (blank values kept)."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    return dict(parse_qsl(text, keep_blank_values=True))


# --- callbacks ----------------------------------------------------------------------------


def taskrouter_to_events(
    params: Mapping[str, str], *, agent_field: AgentField = "WorkerName", line_no: int = 1
) -> ParseResult:
    """Turn one TaskRouter (or conference status) callback into canonical events; never raises."""
    return taskrouter_callbacks_to_events([params], agent_field=agent_field, first_line_no=line_no)


def taskrouter_callbacks_to_events(
    callbacks: Iterable[Mapping[str, str]],
    *,
    agent_field: AgentField = "WorkerName",
    first_line_no: int = 1,
) -> ParseResult:
    """Turn a sequence of callbacks (a replay, or a test scenario) into canonical events.

    A callback's errors carry its position in the sequence, counted from `first_line_no`.
    """
    result = ParseResult()
    for line_no, params in enumerate(callbacks, first_line_no):
        try:
            events = list(_callback_events(params, agent_field))
        except CallbackError as exc:
            result.error(line_no, str(exc))
            continue
        if not events:
            result.skip(_skip_reason(params))
        for event in events:
            result.add(line_no, event)
    return result


def _skip_reason(params: Mapping[str, str]) -> str:
    kind = params.get("EventType") or params.get("StatusCallbackEvent") or ""
    return truncate(kind, REASON_LIMIT) or "callback without an event type"


def _required(params: Mapping[str, str], name: str, event: str) -> str:
    value = params.get(name, "")
    if not value:
        raise CallbackError(f"{event} callback without {name}")
    return value


def _callback_events(params: Mapping[str, str], agent_field: AgentField) -> Iterator[AnyEvent]:
    if "EventType" in params:
        yield from _taskrouter_events(params, agent_field)
    elif "StatusCallbackEvent" in params:
        yield from _conference_events(params)
    else:
        raise CallbackError("expected EventType (TaskRouter) or StatusCallbackEvent (conference)")


def _taskrouter_ms(params: Mapping[str, str], event: str) -> int:
    for name, scale in (("TimestampMs", 1), ("Timestamp", 1000)):
        raw = params.get(name, "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise CallbackError(f"{event}: {name} {raw[:40]!r} is not a number") from None
        if not math.isfinite(value) or not 0 <= value * scale <= MAX_TS_MS:
            raise CallbackError(f"{event}: {name} {raw[:40]!r} is out of range")
        return round(value * scale)
    raise CallbackError(f"{event} callback without Timestamp (epoch seconds) or TimestampMs")


def _taskrouter_events(params: Mapping[str, str], agent_field: AgentField) -> Iterator[AnyEvent]:
    event = params["EventType"]
    if event == "task-queue.entered":
        yield _queued(params, event)
    elif event == "reservation.created":
        yield _ringing(params, event, agent_field)
    elif event == "reservation.accepted":
        yield _answered(params, event, agent_field)
    elif event == "task.wrapup":
        task = _required(params, "TaskSid", event)
        ts = _taskrouter_ms(params, event)
        yield CallEnded(id=digest_id(NAMESPACE, task, "ended"), ts=ts, call_id=task)
    elif event == "task.completed":
        task = _required(params, "TaskSid", event)
        ts = _taskrouter_ms(params, event)
        yield CallEnded(id=digest_id(NAMESPACE, task, "ended"), ts=ts, call_id=task)
        yield CallWrapupEnded(id=digest_id(NAMESPACE, task, "wrapup_ended"), ts=ts, call_id=task)
    elif event == "task.canceled":
        yield _canceled(params, event)
    elif event in ("worker.activity.update", "worker.created"):
        yield from _activity(params, event, agent_field)


def _queue(params: Mapping[str, str]) -> str | None:
    name = params.get("TaskQueueName") or params.get("TaskQueueSid") or ""
    return truncate(name, NAME_LIMIT) or None


def _agent(params: Mapping[str, str], event: str, agent_field: AgentField) -> str:
    value = params.get(agent_field) or params.get("WorkerSid") or ""
    if not value:
        raise CallbackError(f"{event} callback without {agent_field} or WorkerSid")
    return truncate(value, NAME_LIMIT)


def _queued(params: Mapping[str, str], event: str) -> CallQueued:
    task = _required(params, "TaskSid", event)
    queue = _queue(params)
    if queue is None:
        raise CallbackError(f"{event} callback without TaskQueueName or TaskQueueSid")
    return CallQueued(
        id=digest_id(NAMESPACE, task, "queued", params.get("TaskQueueSid") or queue),
        ts=_taskrouter_ms(params, event),
        call_id=task,
        queue=queue,
        caller=_task_caller(params),
    )


def _task_caller(params: Mapping[str, str]) -> str | None:
    """`from` of the task attributes (JSON), which Twilio sets to the caller of a voice task."""
    try:
        attributes = json.loads(params.get("TaskAttributes") or "{}")
    except ValueError:
        return None
    caller = attributes.get("from") if isinstance(attributes, dict) else None
    return caller_from_platform(caller) if isinstance(caller, str) else None


def _ringing(params: Mapping[str, str], event: str, agent_field: AgentField) -> CallRinging:
    task = _required(params, "TaskSid", event)
    agent = _agent(params, event, agent_field)
    reservation = params.get("ReservationSid") or agent
    return CallRinging(
        id=digest_id(NAMESPACE, task, "ringing", reservation),
        ts=_taskrouter_ms(params, event),
        call_id=task,
        agent=agent,
        queue=_queue(params),
    )


def _answered(params: Mapping[str, str], event: str, agent_field: AgentField) -> CallAnswered:
    task = _required(params, "TaskSid", event)
    return CallAnswered(
        id=digest_id(NAMESPACE, task, "answered"),
        ts=_taskrouter_ms(params, event),
        call_id=task,
        agent=_agent(params, event, agent_field),
        queue=_queue(params),
    )


def _canceled(params: Mapping[str, str], event: str) -> CallAbandoned | CallLeftQueue:
    task = _required(params, "TaskSid", event)
    ts = _taskrouter_ms(params, event)
    why = params.get("TaskCanceledReason", "").casefold()
    if any(word in why for word in HANGUP_WORDS):
        return CallAbandoned(
            id=digest_id(NAMESPACE, task, "canceled"), ts=ts, call_id=task, queue=_queue(params)
        )
    reason = "timeout" if any(word in why for word in TIMEOUT_WORDS) else "canceled"
    return CallLeftQueue(
        id=digest_id(NAMESPACE, task, "canceled"),
        ts=ts,
        call_id=task,
        reason=reason,
        queue=_queue(params),
    )


def _activity(params: Mapping[str, str], event: str, agent_field: AgentField) -> Iterator[AnyEvent]:
    agent = _agent(params, event, agent_field)
    activity = _required(params, "WorkerActivityName", event)
    ts = _taskrouter_ms(params, event)
    identity = params.get("Sid") or "|".join((agent, activity, str(ts)))
    name = activity.casefold()
    if name == OFFLINE:
        if event == "worker.activity.update":
            yield AgentLogout(id=digest_id(NAMESPACE, identity, "logout"), ts=ts, agent=agent)
        return
    if name in CALL_ACTIVITIES:
        return
    previous = params.get("WorkerPreviousActivityName", "").casefold()
    if event == "worker.created" or previous == OFFLINE:
        yield AgentLogin(id=digest_id(NAMESPACE, identity, "login"), ts=ts, agent=agent)
    if name in AVAILABLE_ACTIVITIES:
        state, reason = "available", None
    else:
        state, reason = "break", truncate(activity, REASON_LIMIT)
    yield AgentState(
        id=digest_id(NAMESPACE, identity, "state"), ts=ts, agent=agent, state=state, reason=reason
    )


def _conference_events(params: Mapping[str, str]) -> Iterator[AnyEvent]:
    event = params["StatusCallbackEvent"]
    if event not in ("participant-hold", "participant-unhold"):
        return
    label = params.get("ParticipantLabel", "")
    if label and label.casefold() != "customer":
        return
    call_id = truncate(_required(params, "FriendlyName", event), NAME_LIMIT)
    ts = _conference_ms(params, event)
    sequence = params.get("SequenceNumber") or str(ts)
    if event == "participant-hold":
        yield CallHold(id=digest_id(NAMESPACE, call_id, "hold", sequence), ts=ts, call_id=call_id)
    else:
        yield CallResumed(
            id=digest_id(NAMESPACE, call_id, "resumed", sequence), ts=ts, call_id=call_id
        )


def _conference_ms(params: Mapping[str, str], event: str) -> int:
    raw = _required(params, "Timestamp", event)
    try:
        stamp = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise CallbackError(f"{event}: Timestamp {raw[:40]!r} is not an RFC 2822 date") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    ms = datetime_to_ms(stamp)
    if not 0 <= ms <= MAX_TS_MS:
        raise CallbackError(f"{event}: Timestamp {raw[:40]!r} is out of range")
    return ms
