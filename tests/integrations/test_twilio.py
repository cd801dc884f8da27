from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.schemas import event_type
from app.integrations.common import ParseResult
from app.integrations.twilio import (
    compute_twilio_signature,
    parse_form,
    taskrouter_callbacks_to_events,
    taskrouter_to_events,
    validate_twilio_signature,
)
from tests.integrations.golden import SAMPLES, golden

SCENARIO = SAMPLES / "twilio_scenario_callbacks.txt"
QUIRKS = SAMPLES / "twilio_callbacks_quirks.txt"

# Test vectors of Twilio's own validator (twilio-python tests/unit/test_request_validator.py).
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def callbacks(path: Path) -> list[dict[str, str]]:
    return [parse_form(line) for line in path.read_bytes().splitlines()]


def types(result: ParseResult) -> Counter[str]:
    return Counter(event_type(event) for event in result.events)


@pytest.mark.parametrize("sample", [SCENARIO, QUIRKS], ids=lambda path: path.name)
def test_samples_match_their_golden_output(sample: Path) -> None:
    result = taskrouter_callbacks_to_events(callbacks(sample))
    expected, actual = golden(f"{sample.stem}.expected.json", result)
    assert actual == expected


def test_twilio_documented_signature_validates() -> None:
    assert compute_twilio_signature(TOKEN, URL, PARAMS) == SIGNATURE
    assert validate_twilio_signature(TOKEN, URL, PARAMS, SIGNATURE)


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (URL.replace(".com", ".com:1234"), SIGNATURE),  # signed without the port
        (URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),  # signed with :443 added
        (URL.replace("https", "http"), "0ZXoZLH/DfblKGATFgpif+LLRf4="),  # signed with :80 added
        (URL.replace(".com", ".com:1234").replace("https", "http"), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
    ],
)
def test_signature_accepts_the_port_forms_twilio_may_sign(url: str, signature: str) -> None:
    assert validate_twilio_signature(TOKEN, url, PARAMS, signature)


def test_signature_rejects_tampering() -> None:
    assert not validate_twilio_signature("54321", URL, PARAMS, SIGNATURE)
    assert not validate_twilio_signature(TOKEN, URL, {**PARAMS, "Digits": "1235"}, SIGNATURE)
    assert not validate_twilio_signature(TOKEN, URL + "&baz=3", PARAMS, SIGNATURE)
    assert not validate_twilio_signature(TOKEN, URL, PARAMS, "")


def test_signature_of_a_real_taskrouter_callback() -> None:
    params = callbacks(SCENARIO)[6]
    url = "https://floorwatch.example.com/v1/integrations/twilio/taskrouter?tenant_key=acme"
    signature = compute_twilio_signature("f0e1d2c3b4a5968778695a4b3c2d1e0f", url, params)

    assert validate_twilio_signature("f0e1d2c3b4a5968778695a4b3c2d1e0f", url, params, signature)
    assert not validate_twilio_signature(
        "f0e1d2c3b4a5968778695a4b3c2d1e0f", url, {**params, "WorkerName": "mallory"}, signature
    )


def test_form_decoding_keeps_blank_values_for_the_signature() -> None:
    assert parse_form(b"EventType=task.created&TaskCanceledReason=&Name=a+b%26c") == {
        "EventType": "task.created",
        "TaskCanceledReason": "",
        "Name": "a b&c",
    }


def test_completed_task_ends_once_whether_or_not_it_wrapped_up() -> None:
    every = callbacks(SCENARIO)
    scenario = taskrouter_callbacks_to_events(every)
    task = next(cb["TaskSid"] for cb in every if cb.get("EventType") == "task.completed")
    completed_only = taskrouter_callbacks_to_events(
        [cb for cb in every if cb.get("TaskSid") == task and cb.get("EventType") != "task.wrapup"]
    )

    ended_in_scenario = [e.ms for e in scenario.events if event_type(e) == "call.ended"]
    assert ended_in_scenario == [1709543040000]  # 09:04:00, task.wrapup; task.completed repeats it
    ended = [e.ms for e in completed_only.events if event_type(e) == "call.ended"]
    wrapped = [e.ms for e in completed_only.events if event_type(e) == "call.wrapup_ended"]
    assert (
        ended == wrapped == [1709543070000]
    )  # 09:04:30: no wrap-up phase, ends and wraps up at once


def test_cancel_reasons_distinguish_abandon_timeout_and_other() -> None:
    result = taskrouter_callbacks_to_events(callbacks(SCENARIO) + callbacks(QUIRKS))
    outcomes = [
        (event_type(e), getattr(e, "reason", None))
        for e in result.events
        if event_type(e) in ("call.abandoned", "call.left_queue")
    ]

    assert outcomes == [
        ("call.abandoned", None),
        ("call.left_queue", "timeout"),
        ("call.left_queue", "canceled"),
        ("call.left_queue", "canceled"),
    ]


def test_worker_name_or_sid_is_the_agent() -> None:
    first = callbacks(SCENARIO)[0]
    by_name = taskrouter_to_events(first)
    by_sid = taskrouter_to_events(first, agent_field="WorkerSid")

    assert {getattr(e, "agent", None) for e in by_name.events} == {"alice"}
    assert {getattr(e, "agent", None) for e in by_sid.events} == {first["WorkerSid"]}


def test_a_redelivered_callback_keeps_its_ids() -> None:
    every = callbacks(SCENARIO)
    once = taskrouter_callbacks_to_events(every)
    again = taskrouter_callbacks_to_events(every)

    assert [e.id for e in once.events] == [e.id for e in again.events]


def test_errors_carry_the_callback_position() -> None:
    result = taskrouter_callbacks_to_events(callbacks(QUIRKS), first_line_no=101)

    assert [error.line_no for error in result.errors] == [118, 119, 120]


@settings(max_examples=150, deadline=None)
@given(
    token=st.text(max_size=40),
    url=st.text(max_size=80),
    params=st.dictionaries(st.text(max_size=15), st.text(max_size=30), max_size=6),
)
def test_signature_round_trips_and_never_raises(
    token: str, url: str, params: dict[str, str]
) -> None:
    signature = compute_twilio_signature(token, url, params)

    assert validate_twilio_signature(token, url, params, signature)
    assert not validate_twilio_signature(token, url, params, signature[:-2] + "x=")


event_types = st.sampled_from(
    [
        "task-queue.entered",
        "reservation.created",
        "reservation.accepted",
        "task.wrapup",
        "task.completed",
        "task.canceled",
        "worker.activity.update",
        "worker.created",
    ]
)
keys = st.sampled_from(
    [
        "TaskSid",
        "TaskQueueName",
        "TaskQueueSid",
        "WorkerName",
        "WorkerSid",
        "ReservationSid",
        "WorkerActivityName",
        "WorkerPreviousActivityName",
        "TaskCanceledReason",
        "Timestamp",
        "TimestampMs",
        "Sid",
        "FriendlyName",
        "SequenceNumber",
        "ParticipantLabel",
    ]
)
values = st.text(max_size=20) | st.sampled_from(
    ["1709542800", "1e300", "-5", "nan", "Offline", "x" * 200]
)


@settings(max_examples=200, deadline=None)
@given(
    kind=event_types | st.sampled_from(["participant-hold", "participant-unhold"]),
    params=st.dictionaries(keys, values, max_size=10),
)
def test_arbitrary_callbacks_never_raise(kind: str, params: dict[str, str]) -> None:
    field = "StatusCallbackEvent" if kind.startswith("participant") else "EventType"
    result = taskrouter_to_events({**params, field: kind})

    assert len(result.events) + len(result.errors) + sum(result.skipped.values()) >= 1


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300))
def test_arbitrary_form_bodies_never_raise(body: bytes) -> None:
    result = taskrouter_to_events(parse_form(body))
    assert isinstance(result, ParseResult)
