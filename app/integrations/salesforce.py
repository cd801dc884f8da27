"""Salesforce Change Data Capture `OpportunityChangeEvent`s (as JSON) as canonical deal events.

Salesforce publishes a change event per committed change of an Opportunity; a relay (a CometD
or Pub/Sub API subscriber, MuleSoft, an Event Relay to EventBridge and on to a webhook) posts
them as JSON. Accepted: the event itself (`{"ChangeEventHeader": {…}, "StageName": …}`), the
CometD message (`{"data": {"payload": {…}, "event": {"replayId": …}}}`) or its `payload`
envelope, one per record or many (JSON array, NDJSON).

The header says `entityName` (only `Opportunity` is read), `changeType`, `recordIds` (one
event may cover several opportunities that changed alike), `changedFields` (for an update) and
`commitTimestamp` (epoch ms: the event time). An update carries only the fields that changed.

- `CREATE` is `deal.created` with `StageName`, `Amount`, `CurrencyIsoCode` and `OwnerId` (the
  agent); an opportunity created closed (`IsClosed`) is also `deal.won` (`IsWon`) or
  `deal.lost`.
- `UPDATE` that changes `StageName`, `IsWon` or `IsClosed`: `deal.won` when `IsWon` is true
  (with `Amount` when it changed too), `deal.lost` when `IsClosed` is true and `IsWon` is not
  (the stage name, for example `Closed Lost`, is the reason), else `deal.stage_changed` into
  `StageName`. A new `OwnerId` in the same change rides on it.
- An update that reopens a closed opportunity (`IsClosed` back to false) is skipped as
  `reopened`: the pipeline keeps a won or lost deal closed.
- An update of other fields (`Amount` alone, `OwnerId` alone, `CloseDate`, …), `DELETE`,
  `UNDELETE` and the gap events (`GAP_*`, which carry no field values) are counted as skipped
  by reason: a deleted opportunity's status is not in its change event.

Event ids are `(transactionKey, sequenceNumber, record id)`, which identify one change of one
record, so an event delivered twice (a relay that retries, a replay from an older replayId) is
a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

import msgspec

from app.events.schemas import AnyEvent
from app.integrations.common import ParseResult
from app.integrations.crm import (
    CrmMapping,
    RecordError,
    amount,
    currency,
    deal_created,
    deal_lost,
    deal_stage_changed,
    deal_won,
    epoch_ms,
    optional_id,
    text_id,
)
from app.integrations.json_records import split_json_records

NAMESPACE: Final = "salesforce"
SOURCE: Final = "salesforce"
ENTITY: Final = "Opportunity"
STATUS_FIELDS: Final = frozenset({"StageName", "IsWon", "IsClosed"})

Record = Mapping[str, Any]


def parse_opportunity_changes(body: bytes | str, mapping: CrmMapping | None = None) -> ParseResult:
    """Turn OpportunityChangeEvents into canonical events; never raises."""
    mapping = mapping or CrmMapping()
    result = ParseResult()
    raw = split_json_records(body)
    result.errors.extend(raw.errors)
    for number, record_json in raw.records:
        try:
            record = msgspec.json.decode(record_json, type=dict[str, Any])
            payload = _payload(record)
            header = payload.get("ChangeEventHeader")
            if not isinstance(header, dict):
                raise RecordError("expected a change event with `ChangeEventHeader`")
            if header.get("entityName") != ENTITY:
                result.skip(f"entity {header.get('entityName')}"[:64])
                continue
            events = list(_change_events(payload, header, mapping))
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            result.error(number, f"expected a change event (a JSON object): {exc}")
            continue
        except RecordError as exc:
            result.error(number, str(exc))
            continue
        if not events:
            result.skip(_skip_reason(header, payload))
        for event in events:
            result.add(number, event)
    result.errors.sort(key=lambda error: error.line_no)
    return result


def _payload(record: Record) -> Record:
    """The event inside whichever envelope the relay used."""
    data = record.get("data")
    if isinstance(data, dict) and isinstance(data.get("payload"), dict):
        record = data
    payload = record.get("payload")
    if isinstance(payload, dict) and "ChangeEventHeader" in payload:
        return payload
    return record


def _reopened(payload: Record, changed: set[str]) -> bool:
    return "IsClosed" in changed and payload.get("IsClosed") is False


def _skip_reason(header: Record, payload: Record) -> str:
    kind = str(header.get("changeType"))
    if kind != "UPDATE":
        return kind[:64]
    changed = header.get("changedFields")
    if isinstance(changed, list) and _reopened(payload, set(changed)):
        return "reopened"
    return "update without a stage change"


def _strings(header: Record, name: str) -> list[str]:
    value = header.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"ChangeEventHeader.{name}: expected a list of strings")
    return value


def _change_events(payload: Record, header: Record, mapping: CrmMapping) -> Iterator[AnyEvent]:
    kind = header.get("changeType")
    if kind not in ("CREATE", "UPDATE"):
        return
    changed = set(_strings(header, "changedFields"))
    if kind == "UPDATE" and (not changed & STATUS_FIELDS or _reopened(payload, changed)):
        return
    record_ids = _strings(header, "recordIds")
    if not record_ids:
        raise RecordError("ChangeEventHeader.recordIds: expected at least one record id")
    ms = epoch_ms(header.get("commitTimestamp"), "ChangeEventHeader.commitTimestamp")
    transaction = optional_id(header.get("transactionKey")) or str(header.get("commitNumber"))
    sequence = str(header.get("sequenceNumber"))
    agent = mapping.agent(optional_id(payload.get("OwnerId")))
    value = amount(payload.get("Amount"), "Amount")
    stage_name = payload.get("StageName")
    stage = mapping.stage(stage_name) if isinstance(stage_name, str) and stage_name else None
    for record_id in record_ids:
        deal_id = text_id(record_id, "a record id")
        identity = (transaction, sequence)
        if kind == "CREATE":
            yield deal_created(
                NAMESPACE,
                identity,
                ms,
                deal_id,
                agent=agent,
                stage=stage if payload.get("IsClosed") is not True else None,
                value=value,
                money=currency(payload.get("CurrencyIsoCode")),
                source=SOURCE,
            )
        if payload.get("IsWon") is True:
            yield deal_won(NAMESPACE, identity, ms, deal_id, value=value, agent=agent)
        elif payload.get("IsClosed") is True:
            yield deal_lost(NAMESPACE, identity, ms, deal_id, reason=stage, agent=agent)
        elif kind == "UPDATE":
            if stage is None:
                raise RecordError("an update of StageName without the new `StageName`")
            yield deal_stage_changed(NAMESPACE, identity, ms, deal_id, stage, agent=agent)
