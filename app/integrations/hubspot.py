"""HubSpot deal webhooks as canonical deal events, and the `X-HubSpot-Signature-v3` check.

HubSpot posts a JSON array of up to 100 events per request. Each has `eventId`, `portalId`,
`appId`, `occurredAt` (epoch ms), `subscriptionType`, `objectId` (the deal), `attemptNumber`,
and for a property change `propertyName` and `propertyValue`. Apps on the new developer platform
send `object.creation`/`object.propertyChange` with `objectTypeId` `0-3` (deals): the same.

- `deal.creation` is `deal.created` at `occurredAt`. HubSpot reports the properties a deal was
  created with as property changes at the same `occurredAt`: those in the same request are
  folded into the creation (its stage, amount and owner) instead of being sent on their own.
- `deal.propertyChange` of `dealstage` is `deal.won` when the stage is one of the tenant's won
  stages (`closedwon` unless mapped), `deal.lost` for a lost stage (`closedlost`), else
  `deal.stage_changed` into the stage's mapped name. An owner change at the same moment in the
  same request rides on it; a won deal takes the latest `amount` of the request.
- `amount` and `hubspot_owner_id` changes on their own have no canonical event (the deal's
  expected value is set at creation, its final value when it is won) and are counted as
  skipped, as is every other subscription type and property.

Event ids are `(portalId, appId, eventId)`: HubSpot keeps `eventId` when it retries (only
`attemptNumber` grows), so a retried request is a duplicate.

Signature v3 (HubSpot's "Validating requests"): base64 of HMAC-SHA256, keyed with the app's
client secret, over `method + URI + body + X-HubSpot-Request-Timestamp`, where the URI is the
full URL HubSpot called with a fixed set of percent-escapes decoded; requests whose timestamp
is more than 5 minutes old are refused (a captured request cannot be replayed later).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from app.events.schemas import AnyEvent
from app.integrations.common import ParseResult
from app.integrations.crm import (
    CrmMapping,
    RecordError,
    amount,
    deal_created,
    deal_lost,
    deal_stage_changed,
    deal_won,
    epoch_ms,
    optional_id,
    text_id,
)

NAMESPACE: Final = "hubspot"
SOURCE: Final = "hubspot"
MAX_SIGNATURE_AGE_MS: Final = 300_000
DEFAULT_WON: Final = frozenset({"closedwon"})
DEFAULT_LOST: Final = frozenset({"closedlost"})
DEAL_OBJECT_TYPE: Final = "0-3"
STAGE: Final = "dealstage"
AMOUNT: Final = "amount"
OWNER: Final = "hubspot_owner_id"
PIPELINE: Final = "pipeline"
URI_ESCAPES: Final = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
"""The escapes HubSpot decodes in the URI before signing (either letter case)."""


# --- signature ----------------------------------------------------------------------------


def signature_uri(url: str) -> str:
    for escape, char in URI_ESCAPES.items():
        url = url.replace(escape, char).replace(escape.lower(), char)
    return url


def compute_hubspot_signature(
    client_secret: str, method: str, url: str, body: bytes, timestamp: str
) -> str:
    """The `X-HubSpot-Signature-v3` HubSpot sends for this request."""
    source = method.upper().encode() + signature_uri(url).encode() + body + timestamp.encode()
    digest = hmac.new(client_secret.encode(), source, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class SignatureRefused(ValueError):
    """Why a request's HubSpot signature is not accepted (for the 401's message)."""


def check_hubspot_signature(
    client_secret: str,
    method: str,
    url: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now_ms: int,
) -> None:
    """Raise SignatureRefused unless `signature` signs this request and `timestamp` (epoch ms)
    is at most 5 minutes old (and not more than 5 minutes ahead of this server's clock)."""
    if not signature or not timestamp:
        raise SignatureRefused("missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp")
    try:
        sent_ms = int(timestamp)
    except ValueError:
        raise SignatureRefused("X-HubSpot-Request-Timestamp is not epoch milliseconds") from None
    if abs(now_ms - sent_ms) > MAX_SIGNATURE_AGE_MS:
        raise SignatureRefused("X-HubSpot-Request-Timestamp is more than 5 minutes away")
    expected = compute_hubspot_signature(client_secret, method, url, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureRefused("X-HubSpot-Signature-v3 does not match the request")


# --- events -------------------------------------------------------------------------------


def hubspot_mapping(mapping: CrmMapping | None) -> CrmMapping:
    """The tenant's mapping with HubSpot's default closing stages where it names none."""
    mapping = mapping or CrmMapping()
    if mapping.won_stages or mapping.lost_stages:
        return mapping
    return CrmMapping(
        stages=mapping.stages,
        won_stages=DEFAULT_WON,
        lost_stages=DEFAULT_LOST,
        owners=mapping.owners,
        pipelines=mapping.pipelines,
    )


@dataclass(frozen=True, slots=True)
class _Change:
    number: int
    event_id: str
    identity: tuple[str, ...]
    deal_id: str
    ms: int
    kind: str
    """`creation`, `propertyChange` or the unknown subscription type."""
    prop: str | None
    value: str | None


def parse_hubspot_webhooks(body: bytes | str, mapping: CrmMapping | None = None) -> ParseResult:
    """Turn one request's events (a JSON array, or one object) into canonical events; never
    raises. Errors carry the event's position in the array, from 1."""
    mapping = hubspot_mapping(mapping)
    result = ParseResult()
    raw = body.encode() if isinstance(body, str) else body
    try:
        decoded = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:
        result.error(1, f"expected a JSON array of HubSpot events: {exc}")
        return result
    items = decoded if isinstance(decoded, list) else [decoded]
    changes: list[_Change] = []
    for number, item in enumerate(items, 1):
        try:
            change = _change(number, item)
        except RecordError as exc:
            result.error(number, str(exc))
            continue
        if change is None:
            result.skip(_skip_reason(item))
        else:
            changes.append(change)
    for change, events in _events(changes, mapping):
        if isinstance(events, str):
            result.error(change.number, events)
            continue
        if events is FOLDED:
            result.skip("folded into another event")
        elif not events:
            result.skip(_change_skip_reason(change))
        for event in events:
            result.add(change.number, event)
    result.errors.sort(key=lambda error: error.line_no)
    return result


def _skip_reason(item: Mapping[str, Any]) -> str:
    return str(item.get("subscriptionType") or "event without a subscriptionType")[:64]


def _change_skip_reason(change: _Change) -> str:
    if change.prop in (AMOUNT, OWNER):
        return f"{change.prop} change alone"
    return f"property {change.prop}"[:64]


def _change(number: int, item: object) -> _Change | None:
    if not isinstance(item, dict):
        raise RecordError("expected a HubSpot event (a JSON object)")
    kind = item.get("subscriptionType")
    if not isinstance(kind, str):
        raise RecordError("expected `subscriptionType`")
    family, _, action = kind.partition(".")
    if family == "object":
        if str(item.get("objectTypeId")) != DEAL_OBJECT_TYPE:
            return None
    elif family != "deal":
        return None
    if action not in ("creation", "propertyChange"):
        return None
    event_id = text_id(item.get("eventId"), "`eventId`")
    deal_id = text_id(item.get("objectId"), "`objectId` (the deal)")
    ms = epoch_ms(item.get("occurredAt"), "`occurredAt`")
    identity = (optional_id(item.get("portalId")) or "", optional_id(item.get("appId")) or "")
    prop: str | None = None
    value: str | None = None
    if action == "propertyChange":
        prop_name = item.get("propertyName")
        if not isinstance(prop_name, str) or not prop_name:
            raise RecordError("deal.propertyChange without `propertyName`")
        prop = prop_name
        raw_value = item.get("propertyValue")
        value = None if raw_value is None else str(raw_value)
    return _Change(number, event_id, (*identity, event_id), deal_id, ms, action, prop, value)


FOLDED: Final[list[AnyEvent]] = []
"""The events of a change that rides on another one (a property set at creation, an owner
change with a stage move)."""


def _events(
    changes: list[_Change], mapping: CrmMapping
) -> Iterator[tuple[_Change, list[AnyEvent] | str]]:
    """Each change with the events it makes (none: FOLDED, or nothing for the pipeline), or
    why it cannot make them (a negative amount): that costs only this change.

    Changes are taken in time order, and at one instant properties before stage moves, so a
    deal won at the moment its amount was set is won with that amount."""
    created = {(c.deal_id, c.ms) for c in changes if c.kind == "creation"}
    stage_moves = {(c.deal_id, c.ms) for c in changes if c.prop == STAGE}
    at_creation: dict[tuple[str, int], dict[str, str | None]] = {}
    owners_with_move: dict[tuple[str, int], str | None] = {}
    for change in changes:
        key = (change.deal_id, change.ms)
        if change.prop is not None and key in created:
            at_creation.setdefault(key, {})[change.prop] = change.value
        elif change.prop == OWNER and key in stage_moves:
            owners_with_move[key] = change.value
    amounts: dict[str, str | None] = {}
    order = sorted(changes, key=lambda c: (c.ms, c.kind != "creation", c.prop == STAGE, c.number))
    for change in order:
        key = (change.deal_id, change.ms)
        if change.prop == AMOUNT:
            amounts[change.deal_id] = change.value
        try:
            if change.kind == "creation":
                yield change, list(_creation(change, at_creation.get(key, {}), mapping))
            elif key in created:
                closing = list(_closing(change, at_creation[key], mapping))
                yield change, closing or FOLDED
            elif change.prop == STAGE:
                owner = mapping.agent(owners_with_move.get(key))
                value = amounts.get(change.deal_id)
                yield change, list(_stage_move(change, owner, value, mapping))
            elif change.prop == OWNER and key in stage_moves:
                yield change, FOLDED
            else:
                yield change, []
        except RecordError as exc:
            yield change, str(exc)


def _creation(
    change: _Change, props: Mapping[str, str | None], mapping: CrmMapping
) -> Iterator[AnyEvent]:
    stage = props.get(STAGE)
    open_stage = stage if stage and not _closing_stage(stage, mapping) else None
    yield deal_created(
        NAMESPACE,
        change.identity,
        change.ms,
        change.deal_id,
        agent=mapping.agent(props.get(OWNER)),
        stage=mapping.stage(open_stage) if open_stage else None,
        pipeline=mapping.pipeline(props.get(PIPELINE)),
        value=amount(props.get(AMOUNT), "amount"),
        source=SOURCE,
    )


def _closing_stage(stage: str, mapping: CrmMapping) -> bool:
    return stage in mapping.won_stages or stage in mapping.lost_stages


def _closing(
    change: _Change, props: Mapping[str, str | None], mapping: CrmMapping
) -> Iterator[AnyEvent]:
    """A deal created straight into a won or lost stage is closed too."""
    stage = change.value
    if change.prop != STAGE or stage is None or not _closing_stage(stage, mapping):
        return
    yield from _stage_move(change, mapping.agent(props.get(OWNER)), props.get(AMOUNT), mapping)


def _stage_move(
    change: _Change, agent: str | None, value: str | None, mapping: CrmMapping
) -> Iterator[AnyEvent]:
    stage = change.value
    if not stage:
        raise RecordError("dealstage change without `propertyValue`")
    if stage in mapping.won_stages:
        yield deal_won(
            NAMESPACE,
            change.identity,
            change.ms,
            change.deal_id,
            value=amount(value, "amount"),
            agent=agent,
        )
    elif stage in mapping.lost_stages:
        yield deal_lost(
            NAMESPACE,
            change.identity,
            change.ms,
            change.deal_id,
            reason=mapping.stage(stage),
            agent=agent,
        )
    else:
        yield deal_stage_changed(
            NAMESPACE, change.identity, change.ms, change.deal_id, mapping.stage(stage), agent=agent
        )
