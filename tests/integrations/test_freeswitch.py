from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.schemas import AgentLogin, AgentState, CallLeftQueue, event_type
from app.integrations.common import ParseResult
from app.integrations.freeswitch import parse_callcenter_events
from tests.integrations.golden import SAMPLES, golden
from tests.integrations.json_strategies import json_values, mutated_records

SCENARIO = SAMPLES / "freeswitch_scenario_events.json"
QUIRKS = SAMPLES / "freeswitch_events_quirks.json"


def records(path: Path) -> list[Any]:
    loaded: list[Any] = json.loads(path.read_text())
    return loaded


def types(result: ParseResult) -> Counter[str]:
    return Counter(event_type(event) for event in result.events)


@pytest.mark.parametrize(("sample", "wrapup"), [(SCENARIO, 30), (QUIRKS, 0)])
def test_samples_match_their_golden_output(sample: Path, wrapup: int) -> None:
    result = parse_callcenter_events(sample.read_bytes(), wrapup_seconds=wrapup)
    expected, actual = golden(f"{sample.stem}.expected.json", result)
    assert actual == expected


@pytest.mark.parametrize(("wrapup", "expected_ms"), [(0, 1709543040000), (30, 1709543070000)])
def test_wrapup_ends_after_the_configured_wrap_up_time(wrapup: int, expected_ms: int) -> None:
    result = parse_callcenter_events(SCENARIO.read_bytes(), wrapup_seconds=wrapup)
    wrapups = [e.ms for e in result.events if event_type(e) == "call.wrapup_ended"]

    assert wrapups == [expected_ms]


def test_wrapup_by_queue_sends_no_end_of_wrapup() -> None:
    timed = parse_callcenter_events(SCENARIO.read_bytes(), wrapup_seconds=30)
    by_queue = parse_callcenter_events(SCENARIO.read_bytes(), wrapup_seconds=None)

    assert [event_type(e) for e in by_queue.events] == [
        event_type(e) for e in timed.events if event_type(e) != "call.wrapup_ended"
    ]
    assert "call.ended" in {event_type(e) for e in by_queue.events}


def test_negative_wrapup_is_treated_as_none() -> None:
    result = parse_callcenter_events(SCENARIO.read_bytes(), wrapup_seconds=-10)
    ends = {event_type(e): e.ms for e in result.events if event_type(e).startswith("call.")}

    assert ends["call.wrapup_ended"] == ends["call.ended"]


def test_member_queue_end_terminated_repeats_the_bridge_end() -> None:
    result = parse_callcenter_events(SCENARIO.read_bytes())

    assert types(result)["call.ended"] == 1
    assert result.skipped["duplicate"] == 2


def test_member_queue_end_terminated_alone_still_ends_the_call() -> None:
    without_bridge_end = [
        event for event in records(SCENARIO) if event.get("CC-Action") != "bridge-agent-end"
    ]
    result = parse_callcenter_events(json.dumps(without_bridge_end))

    assert types(result)["call.ended"] == 1
    assert types(result)["call.wrapup_ended"] == 1


def test_cancel_reasons() -> None:
    result = parse_callcenter_events(QUIRKS.read_bytes())
    left = [
        (event_type(e), e.reason if isinstance(e, CallLeftQueue) else None) for e in result.events
    ]
    outcomes = [item for item in left if item[0] in ("call.left_queue", "call.abandoned")]

    assert outcomes == [
        ("call.left_queue", "timeout"),
        ("call.left_queue", "no_agent"),
        ("call.left_queue", "key"),
        ("call.left_queue", "break_out"),
        ("call.abandoned", None),
    ]


def test_agent_status_names_and_the_optional_last_status() -> None:
    result = parse_callcenter_events(QUIRKS.read_bytes())
    agents = [e for e in result.events if isinstance(e, AgentLogin | AgentState)]

    assert [(event_type(e), e.agent) for e in agents] == [
        ("agent.state", "1003@default"),  # old build: the agent is in CC-Name
        ("agent.login", "1004@default"),  # CC-Agent-Last-Status: Logged Out
        ("agent.state", "1004@default"),
    ]
    assert [e.state for e in agents if isinstance(e, AgentState)] == ["available", "available"]


def test_time_comes_from_event_date_timestamp_in_microseconds() -> None:
    result = parse_callcenter_events(QUIRKS.read_bytes())

    assert result.events[0].ms == 1709553540118  # 11:59:00.118204 truncated to the millisecond


def test_errors_carry_the_event_number() -> None:
    result = parse_callcenter_events(QUIRKS.read_bytes())

    assert [error.line_no for error in result.errors] == [17, 18, 19, 20]


def test_old_builds_name_the_member_cc_caller_uuid() -> None:
    result = parse_callcenter_events(QUIRKS.read_bytes())
    ended = [e for e in result.events if event_type(e) == "call.ended"]

    assert [getattr(e, "call_id", None) for e in ended] == [records(QUIRKS)[2]["CC-Caller-UUID"]]


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(body: bytes) -> None:
    assert isinstance(parse_callcenter_events(body), ParseResult)


@settings(max_examples=150, deadline=None)
@given(value=json_values, wrapup=st.integers(min_value=-(2**40), max_value=2**40))
def test_arbitrary_json_never_raises(value: object, wrapup: int) -> None:
    result = parse_callcenter_events(json.dumps(value), wrapup_seconds=wrapup)
    assert all(event.id for event in result.events)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_mutated_platform_events_never_raise(data: st.DataObject) -> None:
    body = json.dumps(data.draw(mutated_records(records(SCENARIO) + records(QUIRKS)[:16])))
    result = parse_callcenter_events(body, wrapup_seconds=30)

    assert len({event.id for event in result.events}) == len(result.events)
