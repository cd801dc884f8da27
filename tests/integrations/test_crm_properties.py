"""Whatever a CRM posts, its adapter answers: real webhook bodies bent out of shape never raise,
every error names a record that exists, every event is one the ingest API accepts, and ids
depend only on the change (a record alone or in a batch, in any order, gets the same ids)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.schemas import AnyEvent
from app.integrations.common import ParseResult
from app.integrations.crm import CrmMapping
from app.integrations.crm_csv import parse_crm_csv
from app.integrations.hubspot import parse_hubspot_webhooks
from app.integrations.pipedrive import parse_pipedrive_webhooks
from app.integrations.salesforce import parse_opportunity_changes
from tests.integrations.golden import SAMPLES
from tests.integrations.json_strategies import json_values, mutated_records

SETTINGS = settings(max_examples=50, deadline=None)
decode_event = msgspec.json.Decoder(AnyEvent).decode
MAPPING = CrmMapping(stages={"1": "Qualified"}, owners={"13245678": "anna"})

Parser = Callable[[str], ParseResult]
PARSERS: dict[str, tuple[Parser, list[Any]]] = {
    "pipedrive": (
        lambda body: parse_pipedrive_webhooks(body, MAPPING),
        json.loads((SAMPLES / "pipedrive_webhooks.json").read_text()),
    ),
    "hubspot": (
        lambda body: parse_hubspot_webhooks(body, MAPPING),
        [
            e
            for e in json.loads((SAMPLES / "hubspot_webhooks.json").read_text())
            if isinstance(e, dict)
        ],
    ),
    "salesforce": (
        lambda body: parse_opportunity_changes(body, MAPPING),
        [
            json.loads(line)
            for line in (SAMPLES / "salesforce_opportunity_changes.ndjson").read_text().splitlines()
            if line.endswith("}")
        ],
    ),
}


def assert_well_formed(result: ParseResult, records: int) -> None:
    numbers = [error.line_no for error in result.errors]
    assert numbers == sorted(numbers)
    assert all(1 <= n <= max(records, 1) for n in numbers)
    assert all(error.reason for error in result.errors)
    for event in result.events:
        assert decode_event(msgspec.json.encode(event)) == event
    assert len({event.id for event in result.events}) == len(result.events)


@pytest.mark.parametrize("crm", sorted(PARSERS))
@SETTINGS
@given(data=st.data())
def test_mutated_webhooks_never_raise(crm: str, data: st.DataObject) -> None:
    parse, samples = PARSERS[crm]
    records = data.draw(mutated_records(samples))
    result = parse(json.dumps(records))
    assert_well_formed(result, len(records))


@pytest.mark.parametrize("crm", sorted(PARSERS))
@SETTINGS
@given(value=json_values)
def test_any_json_never_raises(crm: str, value: Any) -> None:
    parse, _ = PARSERS[crm]
    result = parse(json.dumps(value))
    assert_well_formed(result, len(value) if isinstance(value, list) else 1)


@pytest.mark.parametrize("crm", ["pipedrive", "salesforce"])
@SETTINGS
@given(data=st.data())
def test_a_record_alone_gets_the_ids_it_gets_in_a_batch(crm: str, data: st.DataObject) -> None:
    parse, samples = PARSERS[crm]
    records = data.draw(mutated_records(samples))
    # Two records of one change (a retry, here possibly mutated apart) share their ids; the
    # event log keeps the first event of an id, so the first is compared.
    batch: dict[str, object] = {}
    for event in parse(json.dumps(records)).events:
        batch.setdefault(event.id, event)
    alone: dict[str, object] = {}
    for r in records:
        for event in parse(json.dumps(r)).events:
            alone.setdefault(event.id, event)
    assert batch == alone


@SETTINGS
@given(order=st.permutations(range(len(PARSERS["hubspot"][1]))))
def test_a_hubspot_batch_in_any_order_gets_the_same_ids(order: list[int]) -> None:
    parse, samples = PARSERS["hubspot"]
    shuffled = [samples[i] for i in order]
    assert {e.id for e in parse(json.dumps(shuffled)).events} == {
        e.id for e in parse(json.dumps(samples)).events
    }


csv_cell = st.one_of(
    st.sampled_from(["", "2026-01-05", "2026-02-10 10:00", "Closed Won", "lost", "12,5", "-1"]),
    st.text(st.characters(exclude_characters="\r\n,\"'"), max_size=12),
)


@SETTINGS
@given(
    rows=st.lists(st.lists(csv_cell, min_size=0, max_size=8), max_size=20),
    tz=st.sampled_from(["UTC", "Europe/Warsaw"]),
)
def test_crm_csv_never_raises(rows: list[list[str]], tz: str) -> None:
    header = "id,owner,stage,created,close date,value,status,currency"
    text = "\n".join([header, *(",".join(row) for row in rows)])
    result = parse_crm_csv(text, tz)
    assert_well_formed(result, len(rows) + 1)
