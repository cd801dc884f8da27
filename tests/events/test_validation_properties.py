"""Whatever body arrives, the batch decoders (app/events/validation.py) answer with events and
reasons, never an exception other than `BatchError` for a body that is not a batch at all:
every event of the batch is either kept or rejected by its index, the kept ones are exactly
what the schema accepts, and a JSON array and NDJSON of the same records agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.schemas import EVENT_TYPE_NAMES, MAX_TS_MS, AnyEvent, event_type
from app.events.validation import (
    BatchError,
    DecodedBatch,
    decode_json_array,
    decode_ndjson,
    reject_future,
)
from tests.integrations.json_strategies import json_values, mutated_records

SETTINGS = settings(max_examples=150, deadline=None)
MAX_EVENTS = 50
decode_event = msgspec.json.Decoder(AnyEvent).decode

name = st.text(min_size=1, max_size=20)
epoch_ms = st.integers(0, MAX_TS_MS)
rfc3339 = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.timezones()
).map(lambda d: d.isoformat())
timestamp = st.one_of(epoch_ms, rfc3339)

REQUIRED: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "call.queued": {"call_id": name, "queue": name},
    "call.ringing": {"call_id": name, "agent": name},
    "call.answered": {"call_id": name},
    "call.hold": {"call_id": name},
    "call.resumed": {"call_id": name},
    "call.transferred": {"call_id": name, "to_queue": name},
    "call.ended": {"call_id": name},
    "call.wrapup_ended": {"call_id": name},
    "call.abandoned": {"call_id": name},
    "call.left_queue": {"call_id": name, "reason": st.text(min_size=1, max_size=10)},
    "call.dialed": {"call_id": name, "agent": name},
    "call.connected": {"call_id": name, "agent": name},
    "agent.login": {"agent": name},
    "agent.logout": {"agent": name},
    "agent.state": {"agent": name, "state": st.sampled_from(["available", "break"])},
    "deal.closed": {"agent": name, "amount": st.floats(0, 1e12)},
    "csat.submitted": {"score": st.integers(1, 5)},
    "deal.created": {"deal_id": name},
    "deal.stage_changed": {"deal_id": name, "stage": name},
    "deal.won": {"deal_id": name},
    "deal.lost": {"deal_id": name},
    "callback.dismissed": {
        "callback_id": st.integers(1, 2**53),
        "reason": st.text(min_size=1, max_size=20),
    },
    "call.transcript": {
        "call_id": name,
        "role": st.sampled_from(["agent", "customer"]),
        "text": st.text(max_size=40),
    },
}


def test_every_event_type_has_a_valid_strategy() -> None:
    assert set(REQUIRED) == set(EVENT_TYPE_NAMES)


@st.composite
def valid_event(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(REQUIRED)))
    event: dict[str, Any] = {"id": draw(name), "type": kind, "ts": draw(timestamp)}
    event.update({field: draw(strategy) for field, strategy in REQUIRED[kind].items()})
    return event


SAMPLES = [
    {"id": "e1", "type": "call.queued", "ts": 1_700_000_000_000, "call_id": "c1", "queue": "q"},
    {"id": "e2", "type": "call.answered", "ts": "2024-03-04T09:00:00+01:00", "call_id": "c1"},
    {"id": "e3", "type": "deal.closed", "ts": 1, "agent": "a", "amount": 5.5, "currency": "EUR"},
    {"id": "e4", "type": "call.transferred", "ts": 2, "call_id": "c", "to_agent": "b"},
    {"id": "e5", "type": "agent.state", "ts": 3, "agent": "a", "state": "break", "reason": "x"},
    {"id": "e6", "type": "csat.submitted", "ts": 4, "score": 5, "agent": "a"},
    {"id": "e7", "type": "deal.created", "ts": 5, "deal_id": "d", "amount": 9.5, "stage": "s"},
    {"id": "e8", "type": "deal.won", "ts": 6, "deal_id": "d", "amount": 10, "agent": "a"},
    {"id": "e9", "type": "call.transcript", "ts": 5, "call_id": "c", "role": "agent",
     "text": "Dzień dobry", "offset_ms": 1200, "sentiment": "neutral"},
]  # fmt: skip
record = st.one_of(valid_event(), json_values, mutated_records(SAMPLES).map(lambda r: r[:1]))


def assert_accounts_for_every_event(batch: DecodedBatch, indices: list[int]) -> None:
    """Each index of the batch is kept or rejected, never both, never dropped silently; the kept
    events survive a round trip through the wire format; every reason says something."""
    kept = set(batch.indices)
    rejected = [r.index for r in batch.rejected]
    assert len(kept) == len(batch.indices) == len(batch.events)
    assert kept.isdisjoint(rejected)
    assert sorted(kept | set(rejected)) == sorted(indices)
    assert batch.total == len(indices)
    assert all(r.reason for r in batch.rejected)
    for event in batch.events:
        assert decode_event(msgspec.json.encode(event)) == event
        assert 0 <= event.ms <= MAX_TS_MS


def flatten(values: list[Any]) -> list[Any]:
    """Records as the strategies make them (a record may be a list of one mutated record)."""
    return [
        v[0] if isinstance(v, list) and len(v) == 1 and isinstance(v[0], dict) else v
        for v in values
    ]


@SETTINGS
@given(st.binary(max_size=600))
def test_any_bytes_as_a_json_array(body: bytes) -> None:
    try:
        batch = decode_json_array(body, MAX_EVENTS)
    except BatchError as exc:
        message = str(exc)
        assert message.startswith(("the body", "a batch holds at most"))
        return
    assert_accounts_for_every_event(batch, list(range(batch.total)))


@SETTINGS
@given(st.binary(max_size=600))
def test_any_bytes_as_ndjson(body: bytes) -> None:
    try:
        batch = decode_ndjson(body, MAX_EVENTS)
    except BatchError as exc:
        message = str(exc)
        assert "at most" in message
        return
    lines = body.split(b"\n")
    assert_accounts_for_every_event(batch, [i for i, line in enumerate(lines) if line.strip()])


@SETTINGS
@given(st.lists(record, max_size=12))
def test_json_array_and_ndjson_of_the_same_records_agree(values: list[Any]) -> None:
    records = flatten(values)
    as_array = decode_json_array(msgspec.json.encode(records), MAX_EVENTS)
    as_lines = decode_ndjson(b"\n".join(msgspec.json.encode(r) for r in records), MAX_EVENTS)

    assert_accounts_for_every_event(as_array, list(range(len(records))))
    assert_accounts_for_every_event(as_lines, list(range(len(records))))
    assert as_array.events == as_lines.events
    assert as_array.indices == as_lines.indices
    assert [(r.index, r.reason) for r in as_array.rejected] == [
        (r.index, r.reason) for r in as_lines.rejected
    ]


@SETTINGS
@given(st.lists(valid_event(), min_size=1, max_size=12))
def test_valid_events_are_all_kept_in_order(records: list[dict[str, Any]]) -> None:
    batch = decode_json_array(msgspec.json.encode(records), MAX_EVENTS)

    assert batch.rejected == []
    assert [event_type(e) for e in batch.events] == [r["type"] for r in records]
    assert [e.id for e in batch.events] == [r["id"] for r in records]


BAD_EVENTS = {
    "invalid UTF-8": b'{"id":"\xff\xfe","type":"agent.login","ts":1,"agent":"x"}',
    "UTF-8 surrogate": b'{"id":"\xed\xa0\x80","type":"agent.login","ts":1,"agent":"x"}',
    "huge string": b'{"id":"a","type":"agent.login","ts":1,"agent":"' + b"x" * 100_000 + b'"}',
    "unknown type": b'{"id":"a","type":"call.teleported","ts":1,"call_id":"c"}',
    "no type": b'{"id":"a","ts":1,"agent":"x"}',
    "negative ts": b'{"id":"a","type":"agent.login","ts":-1,"agent":"x"}',
    "ts past 9999": b'{"id":"a","type":"agent.login","ts":253402300800000,"agent":"x"}',
    "ts before 1970": b'{"id":"a","type":"agent.login","ts":"0001-01-01T00:00:00Z","agent":"x"}',
    "ts without zone": b'{"id":"a","type":"agent.login","ts":"2024-01-01T00:00:00","agent":"x"}',
    "negative amount": b'{"id":"a","type":"deal.closed","ts":1,"agent":"x","amount":-1}',
    "score 6": b'{"id":"a","type":"csat.submitted","ts":1,"score":6}',
    "caller with letters": b'{"id":"a","type":"call.queued","ts":1,"call_id":"c","queue":"q",'
    b'"caller":"call me"}',
    "huge integer": b'{"id":"a","type":"call.queued","ts":1,"call_id":"c","queue":"q",'
    b'"priority":1' + b"0" * 40 + b"}",
    "a string": b'"call.queued"',
    "null": b"null",
}


@SETTINGS
@given(
    st.lists(valid_event(), min_size=1, max_size=12),
    st.integers(0, 12),
    st.sampled_from(sorted(BAD_EVENTS)),
)
def test_one_bad_event_costs_only_itself(
    records: list[dict[str, Any]], position: int, bad: str
) -> None:
    """A broken event among good ones is rejected by its index, with a reason; the others are
    kept, in a JSON array as in NDJSON."""
    position = min(position, len(records))
    good = [msgspec.json.encode(r) for r in records]
    lines = [*good[:position], BAD_EVENTS[bad], *good[position:]]

    for batch in (
        decode_json_array(b"[" + b",".join(lines) + b"]", MAX_EVENTS),
        decode_ndjson(b"\n".join(lines), MAX_EVENTS),
    ):
        assert [r.index for r in batch.rejected] == [position], bad
        assert batch.rejected[0].reason
        assert len(batch.events) == len(records)


@pytest.mark.parametrize("decode", [decode_json_array, decode_ndjson])
@pytest.mark.parametrize("depth", [100, 10_000, 200_000])
def test_deep_json_is_bad_input_never_a_crash(decode: Any, depth: int) -> None:
    nested = b"[" * depth + b"]" * depth
    event = b'{"id":"a","type":"agent.login","ts":1,"agent":"x","extra":' + nested + b"}"
    body = b"[" + event + b"]" if decode is decode_json_array else event

    try:
        batch = decode(body, MAX_EVENTS)
    except BatchError as exc:
        message = str(exc)
        assert "nested too deeply" in message
        return
    assert batch.total == 1
    if batch.rejected:
        assert "nested too deeply" in batch.rejected[0].reason
    else:
        assert len(batch.events) == 1  # shallow enough: unknown fields are ignored


@pytest.mark.parametrize("decode", [decode_json_array, decode_ndjson])
def test_more_events_than_allowed_is_a_batch_error(decode: Any) -> None:
    records = [{"id": str(i), "type": "agent.logout", "ts": i, "agent": "a"} for i in range(11)]
    body = (
        msgspec.json.encode(records)
        if decode is decode_json_array
        else b"\n".join(msgspec.json.encode(r) for r in records)
    )

    with pytest.raises(BatchError, match="at most 10 events"):
        decode(body, 10)


@SETTINGS
@given(st.lists(st.integers(0, 2_000), min_size=1, max_size=20), st.integers(0, 2_000))
def test_future_events_are_rejected_by_index_and_the_rest_kept(
    times: list[int], latest: int
) -> None:
    records = [
        {"id": str(i), "type": "agent.logout", "ts": ts, "agent": "a"} for i, ts in enumerate(times)
    ]
    batch = decode_json_array(msgspec.json.encode(records), MAX_EVENTS)

    reject_future(batch, latest, 300)

    assert [e.ms for e in batch.events] == [t for t in times if t <= latest]
    assert [r.index for r in batch.rejected] == [i for i, t in enumerate(times) if t > latest]
    assert all("in the future" in r.reason for r in batch.rejected)
