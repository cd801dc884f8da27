"""Amazon Connect agent event stream records and contact records (CTRs) as canonical events.

Both arrive as JSON (see `json_records` for the accepted envelopes), usually posted by a small
forwarder that reads the instance's Kinesis streams. Field names and semantics follow the
"Agent event streams data model" and "Contact records data model" of the Amazon Connect
administrator guide.

Agent event stream (`parse_agent_events`):

- The agent is `Configuration.Username` of the snapshot, or the id at the end of `AgentARN`.
- `LOGIN` gives `agent.login` (with the agent's first and last name) and the snapshot's status;
  `LOGOUT` gives `agent.logout`.
- `STATE_CHANGE` and `HEART_BEAT` are compared snapshot against snapshot. A new `AgentStatus`
  gives `agent.state` (`Available` is `available`, any other status is `break` with the status
  name as the reason), except `Offline`, which is `agent.logout`; leaving `Offline` is
  `agent.login` first. A status change carries the id of (agent, status, status start), so the
  same change reported by two records counts once.
- Voice contacts in the snapshots: a new `CONNECTING`/`INCOMING`/`PENDING` contact is
  `call.ringing`; `CONNECTED` is `call.answered`; `CONNECTED` to `CONNECTED_ONHOLD` and back are
  `call.hold`/`call.resumed` at the event time (Connect keeps `StateStartTimestamp` at the
  connect time while on hold); `ENDED` (the agent is in after-contact work) is `call.ended`; a
  contact that leaves the snapshot after `ENDED` is `call.wrapup_ended` (the AWS guide's recipe
  for ACW time). An agent's own (`OUTBOUND`) contact is `call.dialed` while connecting and
  `call.connected` when connected. `MISSED`, `REJECTED` and `ERROR` produce nothing: the
  canonical model has no "ring without answer" event. Chat and task contacts are not calls and
  are ignored.
- `HEART_BEAT` is published every 120 s when nothing else happened; it is noise and counted as
  skipped unless its snapshots differ. A `STATE_CHANGE` that only changed the agent's
  configuration (routing profile, queues) is skipped as well.

Contact records (`parse_contact_records`):

- Connect delivers a contact record at least once and again when it changes. Within a batch the
  record with the newest `LastUpdateTimestamp` per `ContactId` wins; across batches every event
  id is a function of (`ContactId`, event kind), so a resent or updated record never counts a
  call twice (the ingest layer drops repeated ids). The agent event stream uses the same ids for
  `call.answered`, `call.dialed`, `call.connected`, `call.ended` and `call.wrapup_ended`, so a
  tenant may stream both. The ingest layer forgets ids after its retention window, while
  Connect re-delivers a record whenever it changes; `max_update_delay` skips records updated
  that long after the contact ended (use it live, not for replays of history).
- `Queue.EnqueueTimestamp` is `call.queued`; `Agent.ConnectedToAgentTimestamp` is
  `call.answered`; `Agent.AfterContactWorkStartTimestamp` (or `DisconnectTimestamp` when there is
  none) is `call.ended`; `Agent.AfterContactWorkEndTimestamp` is `call.wrapup_ended`, and a call
  without after-contact work ends its wrap-up when it ends.
- A contact that queued and never reached an agent left the queue at `Queue.DequeueTimestamp`
  (else `DisconnectTimestamp`): `call.abandoned` when the customer hung up
  (`DisconnectReason` `CUSTOMER_DISCONNECT`, `TELECOM_PROBLEM` or missing), otherwise
  `call.left_queue` with reason `transfer` (the flow transferred it out) or the lower-cased
  disconnect reason (for example `contact_flow_disconnect`).
- `OUTBOUND` contacts are `call.dialed` at `InitiationTimestamp` and `call.connected` at
  `ConnectedToSystemTimestamp` (when the customer answered), then end like inbound calls.
- Holds: a contact record has only `NumberOfHolds` and `CustomerHoldDuration`, not when the holds
  happened. No hold events are made by default; handle time stays exact because holds lie inside
  answer..end. With `synthesize_holds=True` one hold of the total duration is placed just
  before the end (total hold and talk time exact, count and placement not); do not combine that
  with the agent event stream, which reports every hold exactly.
- Chat, task and email contacts, and contacts that neither queued nor reached an agent (IVR
  only), are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Annotated, Final

import msgspec

from app.events.caller_numbers import caller_from_platform
from app.events.schemas import (
    AgentLogin,
    AgentLogout,
    AgentState,
    AnyEvent,
    CallAbandoned,
    CallAnswered,
    CallConnected,
    CallDialed,
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
from app.integrations.json_records import split_json_records

NAMESPACE: Final = "connect"
STATUS_AVAILABLE: Final = "available"
STATUS_OFFLINE: Final = "offline"
VOICE: Final = "VOICE"
RINGING_STATES: Final = frozenset({"INCOMING", "PENDING", "CONNECTING"})
TALKING_STATES: Final = frozenset({"CONNECTED", "CONNECTED_ONHOLD"})
CUSTOMER_HANGUPS: Final = frozenset({"CUSTOMER_DISCONNECT", "TELECOM_PROBLEM"})
REASON_LIMIT: Final = 64
NAME_LIMIT: Final = 128

Timestamp = Annotated[datetime, msgspec.Meta(tz=True)]


class QueueRef(msgspec.Struct, rename="pascal"):
    name: str | None = None
    arn: str | None = msgspec.field(default=None, name="ARN")


class AgentStatusRef(msgspec.Struct, rename="pascal"):
    name: str | None = None
    start_timestamp: Timestamp | None = None


class Configuration(msgspec.Struct, rename="pascal"):
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class SnapshotContact(msgspec.Struct, rename="pascal"):
    contact_id: str
    channel: str | None = None
    initiation_method: str | None = None
    state: str | None = None
    state_start_timestamp: Timestamp | None = None
    connected_to_agent_timestamp: Timestamp | None = None
    queue: QueueRef | None = None


class AgentSnapshot(msgspec.Struct, rename="pascal"):
    agent_status: AgentStatusRef | None = None
    configuration: Configuration | None = None
    contacts: list[SnapshotContact] | None = None


class AgentEventRecord(msgspec.Struct, rename="pascal"):
    """One record of the agent event stream (only the fields Floorwatch uses)."""

    event_type: str
    event_timestamp: Timestamp
    event_id: str | None = None
    agent_arn: str | None = msgspec.field(default=None, name="AgentARN")
    current_agent_snapshot: AgentSnapshot | None = None
    previous_agent_snapshot: AgentSnapshot | None = None


class CtrQueue(msgspec.Struct, rename="pascal"):
    name: str | None = None
    arn: str | None = msgspec.field(default=None, name="ARN")
    enqueue_timestamp: Timestamp | None = None
    dequeue_timestamp: Timestamp | None = None


class CtrAgent(msgspec.Struct, rename="pascal"):
    username: str | None = None
    arn: str | None = msgspec.field(default=None, name="ARN")
    connected_to_agent_timestamp: Timestamp | None = None
    after_contact_work_start_timestamp: Timestamp | None = None
    after_contact_work_end_timestamp: Timestamp | None = None
    number_of_holds: int | None = None
    customer_hold_duration: float | None = None


class CtrEndpoint(msgspec.Struct, rename="pascal"):
    address: str | None = None
    type: str | None = None


def _customer(record: ContactRecord) -> str | None:
    """The customer's number: the caller of an inbound contact, the number called outbound."""
    endpoint = record.customer_endpoint
    if endpoint is None or endpoint.type not in (None, "TELEPHONE_NUMBER"):
        return None
    return caller_from_platform(endpoint.address)


class ContactRecord(msgspec.Struct, rename="pascal"):
    """One contact record (CTR), only the fields Floorwatch uses."""

    contact_id: str
    last_update_timestamp: Timestamp | None = None
    channel: str | None = None
    initiation_method: str | None = None
    initiation_timestamp: Timestamp | None = None
    connected_to_system_timestamp: Timestamp | None = None
    disconnect_timestamp: Timestamp | None = None
    disconnect_reason: str | None = None
    transfer_completed_timestamp: Timestamp | None = None
    queue: CtrQueue | None = None
    agent: CtrAgent | None = None
    customer_endpoint: CtrEndpoint | None = None


# --- agent event stream -------------------------------------------------------------------


def parse_agent_events(body: bytes | str) -> ParseResult:
    """Turn a batch of agent event stream records into canonical events; never raises."""
    result = ParseResult()
    raw = split_json_records(body)
    result.errors.extend(raw.errors)
    for number, record_json in raw.records:
        try:
            record = msgspec.json.decode(record_json, type=AgentEventRecord)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            result.error(number, f"expected an agent event stream record: {exc}")
            continue
        agent = _agent_name(record)
        if agent is None:
            result.error(number, "expected Configuration.Username in a snapshot, or AgentARN")
            continue
        produced = False
        for event in _agent_record_events(record, agent):
            result.add(number, event)
            produced = True
        if not produced:
            result.skip(_quiet_reason(record.event_type))
    result.errors.sort(key=lambda error: error.line_no)
    return result


def _quiet_reason(event_type: str) -> str:
    if event_type == "HEART_BEAT":
        return "HEART_BEAT without change"
    if event_type == "STATE_CHANGE":
        return "STATE_CHANGE without status or voice contact change"
    return f"EventType {truncate(event_type, REASON_LIMIT)}"


def _agent_name(record: AgentEventRecord) -> str | None:
    for snapshot in (record.current_agent_snapshot, record.previous_agent_snapshot):
        if snapshot and snapshot.configuration and snapshot.configuration.username:
            return truncate(snapshot.configuration.username, NAME_LIMIT)
    if record.agent_arn:
        tail = record.agent_arn.rstrip("/").rsplit("/", 1)[-1]
        return truncate(tail, NAME_LIMIT) or None
    return None


def _agent_record_events(record: AgentEventRecord, agent: str) -> Iterator[AnyEvent]:
    event_ms = datetime_to_ms(record.event_timestamp)
    current = record.current_agent_snapshot
    previous = record.previous_agent_snapshot
    if record.event_type == "LOGIN":
        yield AgentLogin(
            id=digest_id(NAMESPACE, "login", agent, str(event_ms)),
            ts=event_ms,
            agent=agent,
            name=_display_name(current),
        )
        status = current.agent_status if current else None
        if status and status.name and status.name.casefold() != STATUS_OFFLINE:
            yield from _status_events(agent, status, event_ms, came_from_offline=False)
        return
    if record.event_type == "LOGOUT":
        yield AgentLogout(
            id=digest_id(NAMESPACE, "logout", agent, str(event_ms)), ts=event_ms, agent=agent
        )
        return
    if record.event_type not in ("STATE_CHANGE", "HEART_BEAT"):
        return
    if previous is None:
        if record.event_type == "STATE_CHANGE" and current and current.agent_status:
            yield from _status_events(
                agent, current.agent_status, event_ms, came_from_offline=False
            )
        return
    yield from _status_change(agent, previous, current, event_ms)
    yield from _contact_changes(agent, previous, current, event_ms)


def _display_name(snapshot: AgentSnapshot | None) -> str | None:
    if snapshot is None or snapshot.configuration is None:
        return None
    parts = [snapshot.configuration.first_name, snapshot.configuration.last_name]
    name = " ".join(part for part in parts if part)
    return truncate(name, NAME_LIMIT) or None


def _status_change(
    agent: str, previous: AgentSnapshot, current: AgentSnapshot | None, event_ms: int
) -> Iterator[AnyEvent]:
    new = current.agent_status if current else None
    old = previous.agent_status
    if new is None or not new.name:
        return
    if old is not None and (old.name, old.start_timestamp) == (new.name, new.start_timestamp):
        return
    came_from_offline = old is not None and (old.name or "").casefold() == STATUS_OFFLINE
    yield from _status_events(agent, new, event_ms, came_from_offline=came_from_offline)


def _status_events(
    agent: str, status: AgentStatusRef, event_ms: int, *, came_from_offline: bool
) -> Iterator[AnyEvent]:
    name = status.name or ""
    start_ms = datetime_to_ms(status.start_timestamp) if status.start_timestamp else event_ms
    identity = (agent, name, str(start_ms))
    if name.casefold() == STATUS_OFFLINE:
        yield AgentLogout(
            id=digest_id(NAMESPACE, "status-logout", *identity), ts=start_ms, agent=agent
        )
        return
    if came_from_offline:
        yield AgentLogin(
            id=digest_id(NAMESPACE, "status-login", *identity), ts=start_ms, agent=agent
        )
    if name.casefold() == STATUS_AVAILABLE:
        state, reason = STATUS_AVAILABLE, None
    else:
        state, reason = "break", truncate(name, REASON_LIMIT)
    yield AgentState(
        id=digest_id(NAMESPACE, "status", *identity),
        ts=start_ms,
        agent=agent,
        state=state,
        reason=reason,
    )


def _voice_contacts(snapshot: AgentSnapshot | None) -> dict[str, SnapshotContact]:
    if snapshot is None or not snapshot.contacts:
        return {}
    return {
        contact.contact_id: contact
        for contact in snapshot.contacts
        if contact.channel in (None, VOICE) and contact.contact_id
    }


def _contact_changes(
    agent: str, previous: AgentSnapshot, current: AgentSnapshot | None, event_ms: int
) -> Iterator[AnyEvent]:
    before = _voice_contacts(previous)
    after = _voice_contacts(current)
    for contact_id, contact in after.items():
        old = before.get(contact_id)
        old_state = old.state if old else None
        if contact.state != old_state:
            yield from _contact_entered(agent, contact, old_state, event_ms)
    for contact_id, old in before.items():
        if contact_id in after:
            continue
        if old.state == "ENDED":
            yield _wrapup_ended(contact_id, event_ms)
        elif old.state in TALKING_STATES:
            yield _ended(contact_id, event_ms)
            yield _wrapup_ended(contact_id, event_ms)


def _contact_entered(
    agent: str, contact: SnapshotContact, old_state: str | None, event_ms: int
) -> Iterator[AnyEvent]:
    contact_id = contact.contact_id
    queue = _queue_name(contact.queue)
    stamp = contact.state_start_timestamp
    state_ms = datetime_to_ms(stamp) if stamp else event_ms
    outbound = contact.initiation_method == "OUTBOUND"
    if contact.state in RINGING_STATES:
        kind = CallDialed if outbound else CallRinging
        identity = (contact_id, "dialed") if outbound else (contact_id, "ringing", agent)
        yield kind(
            id=digest_id(NAMESPACE, *identity),
            ts=state_ms,
            call_id=contact_id,
            agent=agent,
            queue=queue,
        )
    elif contact.state == "CONNECTED" and old_state == "CONNECTED_ONHOLD":
        yield CallResumed(
            id=digest_id(NAMESPACE, contact_id, "resumed", str(event_ms)),
            ts=event_ms,
            call_id=contact_id,
        )
    elif contact.state in TALKING_STATES:
        if old_state not in TALKING_STATES:
            yield _talk_started(contact, agent, queue, state_ms)
        if contact.state == "CONNECTED_ONHOLD":
            yield CallHold(
                id=digest_id(NAMESPACE, contact_id, "hold", str(event_ms)),
                ts=event_ms,
                call_id=contact_id,
            )
    elif contact.state == "ENDED" and contact.connected_to_agent_timestamp is not None:
        if old_state not in TALKING_STATES:
            yield _talk_started(contact, agent, queue, state_ms)
        yield _ended(contact_id, state_ms)


def _talk_started(
    contact: SnapshotContact, agent: str, queue: str | None, fallback_ms: int
) -> CallAnswered | CallConnected:
    """The agent's inbound call is answered, or the customer picks up the agent's own call."""
    connected = contact.connected_to_agent_timestamp
    if contact.initiation_method == "OUTBOUND":
        return CallConnected(
            id=digest_id(NAMESPACE, contact.contact_id, "connected"),
            ts=datetime_to_ms(connected) if connected else fallback_ms,
            call_id=contact.contact_id,
            agent=agent,
            queue=queue,
        )
    return _answered(contact.contact_id, agent, queue, connected, fallback_ms)


def _answered(
    contact_id: str, agent: str | None, queue: str | None, at: datetime | None, fallback_ms: int
) -> CallAnswered:
    return CallAnswered(
        id=digest_id(NAMESPACE, contact_id, "answered"),
        ts=datetime_to_ms(at) if at else fallback_ms,
        call_id=contact_id,
        agent=agent,
        queue=queue,
    )


def _ended(contact_id: str, ts: int) -> CallEnded:
    return CallEnded(id=digest_id(NAMESPACE, contact_id, "ended"), ts=ts, call_id=contact_id)


def _wrapup_ended(contact_id: str, ts: int) -> CallWrapupEnded:
    return CallWrapupEnded(
        id=digest_id(NAMESPACE, contact_id, "wrapup_ended"), ts=ts, call_id=contact_id
    )


def _queue_name(queue: QueueRef | CtrQueue | None) -> str | None:
    if queue is None:
        return None
    if queue.name:
        return truncate(queue.name, NAME_LIMIT)
    if queue.arn:
        return truncate(queue.arn.rstrip("/").rsplit("/", 1)[-1], NAME_LIMIT) or None
    return None


# --- contact records ----------------------------------------------------------------------


def parse_contact_records(
    body: bytes | str,
    *,
    synthesize_holds: bool = False,
    max_update_delay: timedelta | None = None,
) -> ParseResult:
    """Turn a batch of contact records into canonical events; never raises.

    Records are de-duplicated by `ContactId` (newest `LastUpdateTimestamp` wins, the later
    record on a tie); the superseded ones are counted as skipped.

    `max_update_delay` guards live ingestion: the ingest layer remembers event ids for a limited
    time, so a record updated long after its contact ended (Connect re-delivers a record
    whenever it changes, for up to 24 months) would count the call again once the first ids are
    forgotten. A record whose `LastUpdateTimestamp` is more than `max_update_delay` after the
    contact's last time is skipped. Leave it `None` to replay history.
    """
    result = ParseResult()
    raw = split_json_records(body)
    result.errors.extend(raw.errors)
    newest: dict[str, tuple[int, ContactRecord]] = {}
    for number, record_json in raw.records:
        try:
            record = msgspec.json.decode(record_json, type=ContactRecord)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            result.error(number, f"expected a contact record: {exc}")
            continue
        if not record.contact_id:
            result.error(number, "expected a non-empty ContactId")
            continue
        late = _late_update_reason(record, max_update_delay)
        if late is not None:
            result.skip(late)
            continue
        kept = newest.get(record.contact_id)
        if kept is not None and _update_key(kept[1]) > _update_key(record):
            result.skip("superseded by a newer record of the contact")
            continue
        if kept is not None:
            result.skip("superseded by a newer record of the contact")
        newest[record.contact_id] = (number, record)
    for number, record in sorted(newest.values(), key=lambda pair: pair[0]):
        skip_reason = _contact_skip_reason(record)
        if skip_reason is not None:
            result.skip(skip_reason)
            continue
        for event in _contact_record_events(record, synthesize_holds=synthesize_holds):
            result.add(number, event)
    result.errors.sort(key=lambda error: error.line_no)
    return result


def _late_update_reason(record: ContactRecord, max_delay: timedelta | None) -> str | None:
    if max_delay is None or record.last_update_timestamp is None:
        return None
    agent = record.agent
    queue = record.queue
    times = [
        record.disconnect_timestamp,
        agent.after_contact_work_end_timestamp if agent else None,
        queue.dequeue_timestamp if queue else None,
        record.initiation_timestamp,
    ]
    known = [stamp for stamp in times if stamp is not None]
    if known and record.last_update_timestamp - max(known) > max_delay:
        return "updated after the de-duplication window"
    return None


def _update_key(record: ContactRecord) -> int:
    stamp = record.last_update_timestamp
    return datetime_to_ms(stamp) if stamp else -1


def _contact_skip_reason(record: ContactRecord) -> str | None:
    if record.channel not in (None, VOICE):
        return f"Channel {truncate(record.channel, REASON_LIMIT)}"
    queued = record.queue is not None and record.queue.enqueue_timestamp is not None
    connected = record.agent is not None and record.agent.connected_to_agent_timestamp is not None
    if not queued and not connected and not _is_outbound(record):
        return "neither queued nor connected to an agent"
    return None


def _is_outbound(record: ContactRecord) -> bool:
    return record.initiation_method == "OUTBOUND" and _ctr_agent_name(record.agent) is not None


def _ctr_agent_name(agent: CtrAgent | None) -> str | None:
    if agent is None:
        return None
    if agent.username:
        return truncate(agent.username, NAME_LIMIT)
    if agent.arn:
        return truncate(agent.arn.rstrip("/").rsplit("/", 1)[-1], NAME_LIMIT) or None
    return None


def _contact_record_events(record: ContactRecord, *, synthesize_holds: bool) -> Iterator[AnyEvent]:
    contact_id = record.contact_id
    agent = _ctr_agent_name(record.agent)
    queue = _queue_name(record.queue)
    enqueued = record.queue.enqueue_timestamp if record.queue else None
    connected = record.agent.connected_to_agent_timestamp if record.agent else None

    if _is_outbound(record) and agent is not None:
        yield from _outbound_start(record, agent, queue)
    elif enqueued is not None and queue is not None:
        yield CallQueued(
            id=digest_id(NAMESPACE, contact_id, "queued"),
            ts=datetime_to_ms(enqueued),
            call_id=contact_id,
            queue=queue,
            caller=_customer(record),
        )

    if connected is not None:
        if not _is_outbound(record):
            yield _answered(contact_id, agent, queue, connected, datetime_to_ms(connected))
        yield from _contact_end(record, connected, synthesize_holds=synthesize_holds)
    elif _is_outbound(record):
        yield from _contact_end(record, record.initiation_timestamp, synthesize_holds=False)
    elif enqueued is not None:
        yield from _queue_exit(record)


def _outbound_start(record: ContactRecord, agent: str, queue: str | None) -> Iterator[AnyEvent]:
    contact_id = record.contact_id
    if record.initiation_timestamp is not None:
        yield CallDialed(
            id=digest_id(NAMESPACE, contact_id, "dialed"),
            ts=datetime_to_ms(record.initiation_timestamp),
            call_id=contact_id,
            agent=agent,
            queue=queue,
            caller=_customer(record),
        )
    if record.connected_to_system_timestamp is not None:
        yield CallConnected(
            id=digest_id(NAMESPACE, contact_id, "connected"),
            ts=datetime_to_ms(record.connected_to_system_timestamp),
            call_id=contact_id,
            agent=agent,
            queue=queue,
            caller=_customer(record),
        )


def _contact_end(
    record: ContactRecord, talk_start: datetime | None, *, synthesize_holds: bool
) -> Iterator[AnyEvent]:
    contact_id = record.contact_id
    agent = record.agent
    work_start = agent.after_contact_work_start_timestamp if agent else None
    work_end = agent.after_contact_work_end_timestamp if agent else None
    end = work_start or record.disconnect_timestamp
    if end is None:
        return
    end_ms = datetime_to_ms(end)
    if synthesize_holds and agent is not None and talk_start is not None:
        yield from _synthetic_hold(contact_id, agent, datetime_to_ms(talk_start), end_ms)
    yield _ended(contact_id, end_ms)
    if work_end is not None:
        yield _wrapup_ended(contact_id, datetime_to_ms(work_end))
    elif work_start is None:
        yield _wrapup_ended(contact_id, end_ms)


def _synthetic_hold(
    contact_id: str, agent: CtrAgent, talk_start_ms: int, end_ms: int
) -> Iterator[AnyEvent]:
    held = agent.customer_hold_duration or 0
    if held <= 0 or end_ms <= talk_start_ms:
        return
    hold_ms = max(talk_start_ms, end_ms - round(held * 1000))
    yield CallHold(
        id=digest_id(NAMESPACE, contact_id, "hold", "ctr"), ts=hold_ms, call_id=contact_id
    )
    yield CallResumed(
        id=digest_id(NAMESPACE, contact_id, "resumed", "ctr"), ts=end_ms, call_id=contact_id
    )


def _queue_exit(record: ContactRecord) -> Iterator[AnyEvent]:
    contact_id = record.contact_id
    queue = _queue_name(record.queue)
    left = (record.queue.dequeue_timestamp if record.queue else None) or record.disconnect_timestamp
    if left is None:
        return
    left_ms = datetime_to_ms(left)
    reason = record.disconnect_reason
    transferred = record.transfer_completed_timestamp is not None
    if not transferred and (reason is None or reason in CUSTOMER_HANGUPS):
        yield CallAbandoned(
            id=digest_id(NAMESPACE, contact_id, "abandoned"),
            ts=left_ms,
            call_id=contact_id,
            queue=queue,
        )
        return
    why = "transfer" if transferred or reason is None else truncate(reason.lower(), REASON_LIMIT)
    yield CallLeftQueue(
        id=digest_id(NAMESPACE, contact_id, "left_queue"),
        ts=left_ms,
        call_id=contact_id,
        reason=why,
        queue=queue,
    )
