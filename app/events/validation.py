"""Decode a batch of events, each on its own: the good ones are kept, each bad one is named
by its index with the reason (msgspec's message names the field, e.g. "at `$.call_id`").

Besides its own errors msgspec raises `RecursionError` for JSON nested deeper than the
interpreter's recursion limit and `UnicodeDecodeError` for a string that is not UTF-8; both are
bad input like any other and are reported the same way, never as a server error."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from app.events.schemas import AnyEvent, Event

_batch = msgspec.json.Decoder(list[AnyEvent])
_one = msgspec.json.Decoder(AnyEvent)
_raw_list = msgspec.json.Decoder(list[msgspec.Raw])


DECODE_ERRORS = (msgspec.MsgspecError, RecursionError, UnicodeDecodeError)


class BatchError(ValueError):
    """The body as a whole cannot be read (not JSON, not an array, too many events)."""


@dataclass(slots=True)
class Rejection:
    index: int
    reason: str


@dataclass(slots=True)
class DecodedBatch:
    events: list[Event] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    total: int = 0


def _reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    if isinstance(exc, UnicodeDecodeError):
        return f"a string is not valid UTF-8 (byte {exc.start} of the string)"
    return str(exc).replace("$[...]", "$")


def decode_json_array(body: bytes, max_events: int) -> DecodedBatch:
    try:
        events: list[Event] = list(_batch.decode(body))  # fast path: the whole batch is valid
    except DECODE_ERRORS:
        pass
    else:
        if len(events) > max_events:
            raise BatchError(f"a batch holds at most {max_events} events, got {len(events)}")
        return DecodedBatch(events=events, indices=list(range(len(events))), total=len(events))
    try:
        raws = _raw_list.decode(body)
    except msgspec.ValidationError as exc:
        raise BatchError(f"the body must be a JSON array of events: {exc}") from exc
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as exc:
        raise BatchError(f"the body is not valid JSON: {_reason(exc)}") from exc
    if len(raws) > max_events:
        raise BatchError(f"a batch holds at most {max_events} events, got {len(raws)}")
    out = DecodedBatch(total=len(raws))
    for index, raw in enumerate(raws):
        try:
            out.events.append(_one.decode(raw))
            out.indices.append(index)
        except DECODE_ERRORS as exc:
            out.rejected.append(Rejection(index, _reason(exc)))
    return out


def decode_ndjson(body: bytes, max_events: int) -> DecodedBatch:
    """One event per line; blank lines are ignored; the index is the event's line number − 1."""
    out = DecodedBatch()
    for index, line in enumerate(body.split(b"\n")):
        if not line.strip():
            continue
        out.total += 1
        if out.total > max_events:
            raise BatchError(f"a batch holds at most {max_events} events")
        try:
            out.events.append(_one.decode(line))
            out.indices.append(index)
        except DECODE_ERRORS as exc:
            out.rejected.append(Rejection(index, _reason(exc)))
    return out


def reject_future(batch: DecodedBatch, latest_ms: int, skew_s: float) -> None:
    """Drop events stamped after `latest_ms` (now + the allowed clock skew)."""
    if not batch.events or max(e.ms for e in batch.events) <= latest_ms:
        return
    kept: list[Event] = []
    kept_indices: list[int] = []
    for event, index in zip(batch.events, batch.indices, strict=True):
        if event.ms > latest_ms:
            batch.rejected.append(
                Rejection(index, f"`ts` is more than {skew_s:g} s in the future - at `$.ts`")
            )
        else:
            kept.append(event)
            kept_indices.append(index)
    batch.events, batch.indices = kept, kept_indices
    batch.rejected.sort(key=lambda r: r.index)
