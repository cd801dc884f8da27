"""Whatever text arrives, the line adapters return a result: never an exception, every problem
reported against a line that exists, every event one the ingest API accepts."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.schemas import AnyEvent, CallQueued, event_type
from app.integrations.asterisk import parse_queue_log
from app.integrations.common import ParseResult
from app.integrations.technion import COLUMNS, parse_technion

decode_event = msgspec.json.Decoder(AnyEvent).decode
encode = msgspec.json.encode
SETTINGS = settings(max_examples=150, deadline=None)


def assert_well_formed(result: ParseResult, first_line: int, line_count: int) -> None:
    line_numbers = [error.line_no for error in result.errors]
    assert line_numbers == sorted(line_numbers)
    assert all(first_line <= n < first_line + line_count for n in line_numbers)
    assert all(error.reason for error in result.errors)
    for event in result.events:
        assert decode_event(encode(event)) == event
    assert len({event.id for event in result.events}) == len(result.events)
    assert all(count > 0 for count in result.skipped.values())


small_int = st.integers(-5, 100_000).map(str)
field_text = st.one_of(small_int, st.text(max_size=12), st.sampled_from(["", "NONE", "0"]))
cell_text = st.one_of(small_int, st.sampled_from(["", "0"]))
queue_log_event = st.sampled_from(
    [
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETECALLER",
        "COMPLETEAGENT",
        "ABANDON",
        "EXITEMPTY",
        "EXITWITHTIMEOUT",
        "EXITWITHKEY",
        "WITHDRAW",
        "SYSCOMPAT",
        "BLINDTRANSFER",
        "TRANSFER",
        "ATTENDEDTRANSFER",
        "PAUSE",
        "UNPAUSE",
        "PAUSEALL",
        "ADDMEMBER",
        "REMOVEMEMBER",
        "AGENTLOGIN",
        "AGENTLOGOFF",
        "RINGNOANSWER",
        "RINGCANCELED",
        "QUEUESTART",
        "",
    ]
)
queue_log_line = st.builds(
    lambda epoch, call, queue, agent, event, data: "|".join(
        [epoch, call, queue, agent, event, *data]
    ),
    st.one_of(st.integers(0, 2**40).map(str), st.text(max_size=12)),
    st.one_of(st.sampled_from(["NONE", "1700000000.1"]), st.text(max_size=140)),
    st.one_of(st.sampled_from(["NONE", "support"]), st.text(max_size=140)),
    st.one_of(st.sampled_from(["NONE", "PJSIP/alice"]), st.text(max_size=140)),
    st.one_of(queue_log_event, st.text(max_size=12)),
    st.lists(st.one_of(field_text, st.sampled_from(["BRIDGE", "APP", "LINK"])), max_size=7),
)


@SETTINGS
@given(st.text(), st.integers(1, 10_000))
def test_queue_log_survives_any_text(text: str, start_line: int) -> None:
    lines = text.split("\n")

    result = parse_queue_log(lines, start_line=start_line)

    assert_well_formed(result, start_line, len(lines))


@SETTINGS
@given(st.lists(queue_log_line, max_size=30))
def test_queue_log_survives_lines_close_to_the_format(lines: list[str]) -> None:
    result = parse_queue_log(lines)

    assert_well_formed(result, 1, len(lines))
    blank = sum(1 for line in lines if not line.strip())
    assert len(result.errors) <= len(lines) - blank


cell = st.characters(exclude_characters="\t\r\n")


def mostly(valid: st.SearchStrategy[str], junk: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid values three times as often as junk, so that whole records get through."""
    return st.one_of(valid, valid, valid, junk)


clock = mostly(
    st.builds(
        "{}:{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)
    ),
    st.one_of(st.sampled_from(["24:00:00", "1:60:00", "0:00"]), st.text(cell, max_size=8)),
)
seconds = mostly(st.integers(0, 4000).map(str), st.one_of(small_int, st.text(cell, max_size=8)))
technion_values = {
    "vru+line": mostly(st.sampled_from(["AA0101", "AA0215"]), st.text(cell, max_size=140)),
    "call_id": mostly(st.integers(0, 99999).map(str), st.text(cell, max_size=140)),
    "priority": mostly(st.sampled_from(["0", "1", "2"]), cell_text),
    "type": mostly(st.sampled_from(["PS", "NW", "TT"]), st.text(cell, max_size=140)),
    "date": mostly(
        st.sampled_from(["990201", "990202", "000101"]), st.sampled_from(["990231", "1"])
    ),
    "outcome": mostly(st.sampled_from(["AGENT", "HANG", "PHANTOM"]), st.text(cell, max_size=8)),
    "server": mostly(st.sampled_from(["NO_SERVER", "DORIT", ""]), st.text(cell, max_size=140)),
    "q_start": st.one_of(st.just("0:00:00"), clock),
    "ser_start": st.one_of(st.just("0:00:00"), clock),
    "ser_exit": st.one_of(st.just("0:00:00"), clock),
}
technion_record = st.tuples(
    *(
        technion_values.get(column, seconds if column.endswith("_time") else clock)
        for column in COLUMNS
    )
).map("\t".join)
valid_clock = st.builds(
    "{}:{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)
)
valid_values = {
    "vru+line": st.sampled_from(["AA0101", "AA0215"]),
    "call_id": st.integers(0, 99999).map(str),
    "priority": st.sampled_from(["0", "1", "2"]),
    "type": st.sampled_from(["PS", "NW", "TT"]),
    "date": st.sampled_from(["990201", "990202"]),
    "outcome": st.sampled_from(["AGENT", "HANG", "PHANTOM"]),
    "server": st.sampled_from(["NO_SERVER", "DORIT"]),
    "q_start": st.one_of(st.just("0:00:00"), valid_clock),
    "ser_start": st.one_of(st.just("0:00:00"), valid_clock),
}
valid_record = st.tuples(
    *(
        valid_values.get(
            column,
            st.integers(0, 4000).map(str) if column.endswith("_time") else valid_clock,
        )
        for column in COLUMNS
    )
)


@SETTINGS
@given(st.text(), st.sampled_from(["UTC", "Asia/Jerusalem", "America/New_York"]))
def test_technion_survives_any_text(text: str, tz: str) -> None:
    lines = text.split("\n")

    result = parse_technion(lines, tz)

    assert_well_formed(result, 1, len(lines))


@SETTINGS
@given(st.lists(technion_record, max_size=30))
def test_technion_survives_records_close_to_the_format(lines: list[str]) -> None:
    result = parse_technion(["\t".join(COLUMNS), *lines])

    assert_well_formed(result, 1, len(lines) + 1)
    times = [event.ms for event in result.events]
    assert times == sorted(times)


@SETTINGS
@given(
    st.lists(valid_record, max_size=40, unique_by=lambda r: (r[0], r[1], r[5])),
    st.sampled_from(["UTC", "Europe/London", "America/New_York"]),
)
def test_technion_accounts_for_every_valid_record(records: list[tuple[str, ...]], tz: str) -> None:
    result = parse_technion(["\t".join(COLUMNS), *("\t".join(r) for r in records)], tz)

    assert result.errors == []
    queued = sum(isinstance(event, CallQueued) for event in result.events)
    assert queued + sum(result.skipped.values()) == len(records)
    times = [event.ms for event in result.events]
    assert times == sorted(times)
    lifecycles: dict[str, list[str]] = {}
    for event in result.events:
        lifecycles.setdefault(getattr(event, "call_id", ""), []).append(event_type(event))
    assert {tuple(steps) for steps in lifecycles.values()} <= {
        ("call.queued", "call.answered", "call.ended", "call.wrapup_ended"),
        ("call.queued", "call.abandoned"),
    }
