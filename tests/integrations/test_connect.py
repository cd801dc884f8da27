from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.schemas import CallEnded, CallHold, CallResumed, event_type
from app.integrations.common import ParseResult
from app.integrations.connect import parse_agent_events, parse_contact_records
from tests.integrations.golden import SAMPLES, golden
from tests.integrations.json_strategies import json_values, mutated_records

AGENT_EVENTS = SAMPLES / "connect_agent_events_quirks.json"
CTR_FIREHOSE = SAMPLES / "connect_ctr_firehose.txt"
SCENARIO_AGENT_EVENTS = SAMPLES / "connect_scenario_agent_events.json"
SCENARIO_CTR = SAMPLES / "connect_scenario_ctr.json"


def types(result: ParseResult) -> Counter[str]:
    return Counter(event_type(event) for event in result.events)


def scenario_ctrs() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(SCENARIO_CTR.read_text())
    return records


@pytest.mark.parametrize(
    ("sample", "parse"),
    [
        (AGENT_EVENTS, parse_agent_events),
        (SCENARIO_AGENT_EVENTS, parse_agent_events),
        (CTR_FIREHOSE, parse_contact_records),
        (SCENARIO_CTR, parse_contact_records),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_samples_match_their_golden_output(sample: Any, parse: Any) -> None:
    expected, actual = golden(f"{sample.stem}.expected.json", parse(sample.read_bytes()))
    assert actual == expected


def test_heart_beat_and_configuration_changes_are_noise() -> None:
    result = parse_agent_events(AGENT_EVENTS.read_bytes())

    assert result.skipped["HEART_BEAT without change"] == 1
    assert result.skipped["STATE_CHANGE without status or voice contact change"] == 4
    assert not any(event.ms == 1709546700000 for event in result.events)  # the 10:05 profile change


def test_agent_events_report_each_malformed_record_by_number() -> None:
    result = parse_agent_events(AGENT_EVENTS.read_bytes())

    assert [error.line_no for error in result.errors] == [16, 17, 18, 19]
    assert "EventTimestamp" in result.errors[0].reason
    assert "timezone" in result.errors[1].reason


def test_a_status_change_reported_twice_counts_once() -> None:
    records = json.loads(SCENARIO_AGENT_EVENTS.read_text())
    lunch = records[9]
    once = parse_agent_events(json.dumps([lunch]))
    twice = parse_agent_events(json.dumps([lunch, lunch]))

    assert [e.id for e in twice.events] == [e.id for e in once.events]
    assert twice.skipped["duplicate"] == 1


def test_offline_is_logout_and_leaving_it_is_login() -> None:
    result = parse_agent_events(AGENT_EVENTS.read_bytes())
    by_agent = [
        event_type(event)
        for event in result.events
        if getattr(event, "agent", None) == "e2bc2e04-68db-5022-9b39-1186d2e9483f"
    ]

    assert by_agent == ["agent.logout", "agent.login", "agent.state"]


def test_every_envelope_gives_the_same_events() -> None:
    records = json.loads(SCENARIO_AGENT_EVENTS.read_text())
    array = parse_agent_events(json.dumps(records))
    ndjson = parse_agent_events("\n".join(json.dumps(record) for record in records))
    back_to_back = parse_agent_events("".join(json.dumps(record) for record in records))
    singles = ParseResult()
    for record in records:
        singles.extend(parse_agent_events(json.dumps(record)))

    assert array.events == ndjson.events == back_to_back.events == singles.events
    assert array.errors == ndjson.errors == back_to_back.errors == []


def test_ctr_newest_last_update_wins_within_a_batch_in_any_order() -> None:
    final = scenario_ctrs()[0]
    early = copy.deepcopy(final)
    early["Agent"]["AfterContactWorkEndTimestamp"] = None
    early["LastUpdateTimestamp"] = "2024-03-04T09:04:01Z"

    old_first = parse_contact_records(json.dumps([early, final]))
    new_first = parse_contact_records(json.dumps([final, early]))
    alone = parse_contact_records(json.dumps([final]))

    assert old_first.events == new_first.events == alone.events
    assert old_first.skipped["superseded by a newer record of the contact"] == 1
    assert types(alone)["call.wrapup_ended"] == 1


def test_ctr_ids_depend_on_contact_and_kind_only_so_resends_never_double_count() -> None:
    first = scenario_ctrs()[0]
    update = copy.deepcopy(first)
    update["Attributes"] = {"disposition": "sale"}
    update["LastUpdateTimestamp"] = "2024-03-04T12:00:00Z"

    before = parse_contact_records(json.dumps([first]))
    after = parse_contact_records(json.dumps([update]))

    assert [e.id for e in after.events] == [e.id for e in before.events]
    assert len({e.id for e in before.events}) == len(before.events)


def test_agent_stream_and_ctr_share_the_ids_of_answer_end_and_wrapup() -> None:
    stream = parse_agent_events(SCENARIO_AGENT_EVENTS.read_bytes())
    records = parse_contact_records(SCENARIO_CTR.read_bytes())
    combined = ParseResult()
    combined.extend(stream)
    combined.extend(records)

    assert combined.skipped["duplicate"] == 3
    calls = types(combined)
    assert calls["call.answered"] == calls["call.ended"] == calls["call.wrapup_ended"] == 1


def test_ctr_holds_are_not_invented_unless_asked() -> None:
    plain = parse_contact_records(SCENARIO_CTR.read_bytes())
    synthetic = parse_contact_records(SCENARIO_CTR.read_bytes(), synthesize_holds=True)

    assert types(plain)["call.hold"] == 0
    holds = [e for e in synthetic.events if isinstance(e, CallHold | CallResumed)]
    assert [(event_type(e), e.ms) for e in holds] == [
        ("call.hold", 1709543010000),  # 09:03:30, the 30 s of CustomerHoldDuration before the end
        ("call.resumed", 1709543040000),  # 09:04:00, AfterContactWorkStartTimestamp
    ]


def test_transferred_call_ends_at_the_transfer_not_at_the_disconnect() -> None:
    result = parse_contact_records(CTR_FIREHOSE.read_bytes())
    ends = {e.ms for e in result.events if isinstance(e, CallEnded)}

    assert 1709547600000 in ends  # 10:20:00, ACW start = TransferCompletedTimestamp
    assert 1709548517000 not in ends  # 10:35:17, the customer's own disconnect


def test_ctr_errors_carry_the_record_number_and_never_stop_the_batch() -> None:
    result = parse_contact_records(CTR_FIREHOSE.read_bytes())

    assert [error.line_no for error in result.errors] == [11, 12, 13]
    assert types(result)["call.queued"] == 6


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(body: bytes) -> None:
    for parse in (parse_agent_events, parse_contact_records):
        result = parse(body)
        assert isinstance(result, ParseResult)


@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_arbitrary_json_never_raises(value: object) -> None:
    body = json.dumps(value)
    for parse in (parse_agent_events, parse_contact_records):
        result = parse(body)
        assert all(event.id for event in result.events)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_mutated_platform_records_never_raise(data: st.DataObject) -> None:
    agent_records = json.loads(SCENARIO_AGENT_EVENTS.read_text())
    ctr_records = scenario_ctrs()
    agent_body = json.dumps(data.draw(mutated_records(agent_records)))
    ctr_body = json.dumps(data.draw(mutated_records(ctr_records)))

    for result in (parse_agent_events(agent_body), parse_contact_records(ctr_body)):
        assert len({event.id for event in result.events}) == len(result.events)


def test_a_record_updated_after_the_dedup_window_is_skipped_live_but_kept_in_replay() -> None:
    fresh = scenario_ctrs()[0]
    late = copy.deepcopy(fresh)
    late["Attributes"] = {"disposition": "callback promised"}
    late["LastUpdateTimestamp"] = "2024-03-06T09:00:00Z"  # two days after the call
    window = timedelta(hours=24)

    live = parse_contact_records(json.dumps([fresh, late]), max_update_delay=window)
    live_late_only = parse_contact_records(json.dumps([late]), max_update_delay=window)
    replay = parse_contact_records(json.dumps([late]))

    assert live.events == parse_contact_records(json.dumps([fresh])).events
    assert live_late_only.events == []
    assert live_late_only.skipped["updated after the de-duplication window"] == 1
    assert types(replay)["call.answered"] == 1
