"""Pipedrive webhooks v2 (`create.deal`, `change.deal`, `delete.deal`) as canonical deal events.

Pipedrive posts one JSON body per change: `meta` (`action` `create`/`change`/`delete`, `entity`
`deal`, `entity_id`, `company_id`, `timestamp`, `attempt`, …), `data` (the deal as it is now:
`id`, `owner_id`, `stage_id`, `pipeline_id`, `status` `open`/`won`/`lost`, `value`, `currency`,
`add_time`, `update_time`, `stage_change_time`, `won_time`, `lost_time`, `lost_reason`) and
`previous` (for a change, only the fields that changed, with their old values; for a delete,
the deal as it was). Times are ISO 8601 in UTC.

- `create` is `deal.created` at `add_time` in the deal's stage and pipeline, with its owner,
  value and currency; a deal created already won or lost is also `deal.won`/`deal.lost`.
- `change` with `status` in `previous`: a deal now `won` is `deal.won` at `won_time` with its
  value; `lost` is `deal.lost` at `lost_time` with `lost_reason`. A deal reopened (back to
  `open`) is skipped as `reopened`: the pipeline keeps a won or lost deal closed (a win
  counted stays counted), so nothing it could do with it would be right.
- `change` with `stage_id` in `previous` (an open deal) is `deal.stage_changed` at
  `stage_change_time`; with `owner_id` in `previous` the new owner rides on it, and an owner
  change alone is `deal.stage_changed` into the deal's current stage (the pipeline then only
  moves the deal to its new owner).
- Any other change (title, value, person, …) carries nothing for the pipeline and is counted
  as skipped; a deal's final value arrives with `deal.won`.
- `delete` of an open deal is `deal.lost` with reason `deleted` (it leaves the open deals and
  the pipeline value); deleting a won or lost deal changes nothing. The deal is read from
  `previous` (else `data`); a status of `deleted` is taken as open, since the pipeline ignores
  a loss of a deal it knows closed.
- Records of another `entity` are skipped by entity.

Event ids come from the company, the deal and the change (its stage, owner or status and the
time Pipedrive stamped on it), never from `meta.attempt`, so a retried delivery is a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

import msgspec

from app.events.schemas import AnyEvent
from app.integrations.common import ParseResult
from app.integrations.crm import (
    DELETED,
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

NAMESPACE: Final = "pipedrive"
SOURCE: Final = "pipedrive"
WON: Final = "won"
LOST: Final = "lost"
OPEN: Final = "open"

Record = Mapping[str, Any]


def parse_pipedrive_webhooks(body: bytes | str, mapping: CrmMapping | None = None) -> ParseResult:
    """Turn one webhook body (or many: a JSON array or NDJSON, for replays) into canonical
    events; never raises. Errors carry the record's number in the body."""
    mapping = mapping or CrmMapping()
    result = ParseResult()
    raw = split_json_records(body)
    result.errors.extend(raw.errors)
    for number, record_json in raw.records:
        try:
            record = msgspec.json.decode(record_json, type=dict[str, Any])
            events = list(_record_events(record, mapping))
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            result.error(number, f"expected a Pipedrive webhook (a JSON object): {exc}")
            continue
        except RecordError as exc:
            result.error(number, str(exc))
            continue
        if not events:
            result.skip(_skip_reason(record))
        for event in events:
            result.add(number, event)
    result.errors.sort(key=lambda error: error.line_no)
    return result


def _skip_reason(record: Record) -> str:
    meta = record.get("meta")
    if not isinstance(meta, dict):
        return "no meta"
    entity = meta.get("entity")
    action = meta.get("action")
    if entity != "deal":
        return f"entity {entity}"[:64]
    data, previous = record.get("data"), record.get("previous")
    if isinstance(data, dict) and isinstance(previous, dict) and _reopened(data, previous):
        return "reopened"
    return f"{action}.deal without a pipeline change"[:64]


def _object(record: Record, key: str) -> Record | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RecordError(f"expected `{key}` to be an object")
    return value


def _record_events(record: Record, mapping: CrmMapping) -> Iterator[AnyEvent]:
    meta = _object(record, "meta")
    if meta is None:
        raise RecordError("expected a Pipedrive webhooks v2 body with `meta`")
    if "current" in record or record.get("v") == 1 or "object" in meta:
        raise RecordError('a webhooks v1 body: create the Pipedrive webhook with "version": "2.0"')
    entity = meta.get("entity")
    if entity != "deal":
        return
    action = meta.get("action")
    data = _object(record, "data")
    previous = _object(record, "previous")
    company = optional_id(meta.get("company_id")) or ""
    if action == "create":
        if data is None:
            raise RecordError("create.deal without `data`")
        yield from _created(data, meta, company, mapping)
    elif action == "change":
        if data is None:
            raise RecordError("change.deal without `data`")
        yield from _changed(data, previous or {}, meta, company, mapping)
    elif action == "delete":
        deal = previous or data
        if deal is None:
            raise RecordError("delete.deal without the deal in `previous`")
        yield from _deleted(deal, meta, company, mapping)
    else:
        raise RecordError(f"meta.action: expected create, change or delete, got {action!r:.40}")


def _deal_id(data: Record, meta: Record) -> str:
    return text_id(data.get("id", meta.get("entity_id")), "the deal's `id`")


def _time(data: Record, meta: Record, *fields: str) -> tuple[int, str]:
    """The first of `fields` set in the deal, else `meta.timestamp`; with the raw value (part
    of the event id)."""
    for name in fields:
        value = data.get(name)
        if value not in (None, ""):
            return epoch_ms(value, name), str(value)
    stamp = meta.get("timestamp")
    return epoch_ms(stamp, "meta.timestamp"), str(stamp)


def _stage(data: Record, mapping: CrmMapping) -> str | None:
    stage = optional_id(data.get("stage_id"))
    return mapping.stage(stage) if stage is not None else None


def _created(data: Record, meta: Record, company: str, mapping: CrmMapping) -> Iterator[AnyEvent]:
    deal_id = _deal_id(data, meta)
    ms, _ = _time(data, meta, "add_time")
    agent = mapping.agent(optional_id(data.get("owner_id")))
    value = amount(data.get("value"), "value")
    yield deal_created(
        NAMESPACE,
        (company,),
        ms,
        deal_id,
        agent=agent,
        stage=_stage(data, mapping),
        pipeline=mapping.pipeline(optional_id(data.get("pipeline_id"))),
        value=value,
        money=currency(data.get("currency")),
        source=SOURCE,
    )
    yield from _closed(data, meta, company, deal_id, agent, value)


def _closed(
    data: Record,
    meta: Record,
    company: str,
    deal_id: str,
    agent: str | None,
    value: float | None,
) -> Iterator[AnyEvent]:
    status = data.get("status")
    if status == WON:
        ms, raw = _time(data, meta, "won_time", "close_time", "update_time")
        yield deal_won(NAMESPACE, (company, raw), ms, deal_id, value=value, agent=agent)
    elif status == LOST:
        ms, raw = _time(data, meta, "lost_time", "close_time", "update_time")
        reason = data.get("lost_reason")
        yield deal_lost(
            NAMESPACE,
            (company, raw),
            ms,
            deal_id,
            reason=reason if isinstance(reason, str) else None,
            agent=agent,
        )


def _changed(
    data: Record, previous: Record, meta: Record, company: str, mapping: CrmMapping
) -> Iterator[AnyEvent]:
    deal_id = _deal_id(data, meta)
    status = data.get("status")
    owner_changed = "owner_id" in previous
    agent = mapping.agent(optional_id(data.get("owner_id")))
    if "status" in previous and previous.get("status") != status and status in (WON, LOST):
        value = amount(data.get("value"), "value")
        yield from _closed(data, meta, company, deal_id, agent, value)
        return
    if _reopened(data, previous) or not ("stage_id" in previous or owner_changed):
        return
    if status != OPEN:
        return
    stage = _stage(data, mapping)
    if stage is None:
        raise RecordError("change.deal without the deal's `stage_id`")
    if "stage_id" in previous:
        ms, raw = _time(data, meta, "stage_change_time", "update_time")
    else:
        ms, raw = _time(data, meta, "update_time")
    identity = (company, str(data.get("stage_id")), str(data.get("owner_id")), raw)
    yield deal_stage_changed(
        NAMESPACE, identity, ms, deal_id, stage, agent=agent if owner_changed else None
    )


def _reopened(data: Record, previous: Record) -> bool:
    return previous.get("status") in (WON, LOST) and data.get("status") == OPEN


def _deleted(deal: Record, meta: Record, company: str, mapping: CrmMapping) -> Iterator[AnyEvent]:
    if deal.get("status", OPEN) not in (OPEN, DELETED):
        return
    deal_id = _deal_id(deal, meta)
    stamp = meta.get("timestamp")
    ms = epoch_ms(stamp, "meta.timestamp")
    yield deal_lost(
        NAMESPACE,
        (company, DELETED),
        ms,
        deal_id,
        reason=DELETED,
        agent=mapping.agent(optional_id(deal.get("owner_id"))),
    )
