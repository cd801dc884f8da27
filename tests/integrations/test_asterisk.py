from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app.events.schemas import (
    AgentLogin,
    AgentLogout,
    AgentState,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallLeftQueue,
    CallQueued,
    CallTransferred,
    CallWrapupEnded,
    event_type,
)
from app.integrations.asterisk import (
    AGENT_REPEATED,
    LineFormatError,
    parse_queue_log,
    split_queue_log_line,
)
from app.integrations.common import LineError, ParseResult
from tests.integrations.golden import SAMPLES, golden

MODERN = SAMPLES / "queue_log_asterisk18.log"
LEGACY = SAMPLES / "queue_log_asterisk14.log"
MALFORMED = SAMPLES / "queue_log_malformed.log"


def parse_file(path: Path, start_line: int = 1) -> ParseResult:
    with path.open(newline="", encoding="utf-8") as handle:
        return parse_queue_log(handle, start_line=start_line)


def types(result: ParseResult) -> Counter[str]:
    return Counter(event_type(event) for event in result.events)


@pytest.mark.parametrize("sample", [MODERN, LEGACY, MALFORMED], ids=lambda p: p.name)
def test_samples_match_their_golden_output(sample: Path) -> None:
    expected, actual = golden(sample.name.replace(".log", ".expected.json"), parse_file(sample))
    assert actual == expected


def test_modern_layout_maps_every_call_outcome() -> None:
    result = parse_file(MODERN)

    assert result.errors == []
    assert types(result) == {
        "call.queued": 11,
        "call.answered": 6,
        "call.ended": 6,
        "call.wrapup_ended": 6,
        "call.transferred": 4,
        "call.abandoned": 1,
        "call.left_queue": 4,
        "agent.login": 3,
        "agent.logout": 2,
        "agent.state": 4,
    }
    reasons = {e.call_id: e.reason for e in result.events if isinstance(e, CallLeftQueue)}
    assert reasons == {
        "1700000799.40": "timeout",
        "1700000899.41": "key",
        "1700000949.42": "empty",
        "1700001399.70": "withdraw",
    }


def test_connect_answers_with_the_member_name_as_written() -> None:
    result = parse_file(MODERN)

    answers = [e for e in result.events if isinstance(e, CallAnswered)]
    assert [(a.call_id, a.agent, a.queue, a.ms) for a in answers[:1]] == [
        ("1700000299.20", "PJSIP/alice", "support", 1_700_000_318_000)
    ]
    assert {a.agent for a in answers} == {"PJSIP/alice", "PJSIP/bob", "Local/1003@agents/n"}


def test_ring_events_change_nothing_and_are_counted() -> None:
    result = parse_file(MODERN)

    assert result.skipped["RINGNOANSWER"] == 1
    assert result.skipped["RINGCANCELED"] == 1
    assert "call.ringing" not in types(result)


def test_pause_logged_per_queue_becomes_one_state_change() -> None:
    result = parse_file(MODERN)

    states = [
        (e.agent, e.state, e.reason, e.ms) for e in result.events if isinstance(e, AgentState)
    ]
    assert states == [
        ("PJSIP/alice", "break", "Lunch", 1_700_000_600_000),
        ("PJSIP/alice", "available", None, 1_700_002_400_000),
        ("PJSIP/bob", "break", None, 1_700_002_500_000),
        ("PJSIP/bob", "available", None, 1_700_002_560_000),
    ]
    assert result.skipped["PAUSEALL"] == 1
    assert result.skipped["UNPAUSEALL"] == 1
    assert result.skipped[AGENT_REPEATED] == 3  # second PAUSE, UNPAUSE and ADDMEMBER of alice


def test_members_log_in_and_out_once_per_change() -> None:
    result = parse_file(MODERN)

    logins = [(e.agent, e.ms) for e in result.events if isinstance(e, AgentLogin)]
    logouts = [(e.agent, e.ms) for e in result.events if isinstance(e, AgentLogout)]
    assert logins == [
        ("PJSIP/alice", 1_700_000_200_000),
        ("PJSIP/bob", 1_700_000_210_000),
        ("Local/1003@agents/n", 1_700_000_220_000),
    ]
    assert logouts == [
        ("PJSIP/bob", 1_700_003_600_000),
        ("Local/1003@agents/n", 1_700_003_600_000),
    ]


def test_transfers_end_the_call_and_name_the_destination_as_logged() -> None:
    result = parse_file(MODERN)

    transfers = [(e.call_id, e.to_agent) for e in result.events if isinstance(e, CallTransferred)]
    assert transfers == [
        ("1700000999.50", "2002@from-internal"),
        ("1700001199.60", "BRIDGE:5f0c2c1e-8a4d-4d1e-9d2a-3b1f0e6d7c11"),
        ("1700001699.90", "APP:VoiceMail"),
        (
            "1700001799.95",
            "LINK:Local/2003@from-internal-00000007;1,Local/2003@from-internal-00000007;2",
        ),
    ]
    ended = {e.call_id for e in result.events if isinstance(e, CallEnded)}
    assert {call_id for call_id, _ in transfers} <= ended


def test_system_and_custom_lines_are_counted_not_fatal() -> None:
    result = parse_file(MODERN)

    assert result.skipped["QUEUESTART"] == 1
    assert result.skipped["CONFIGRELOAD"] == 1
    assert result.skipped["PENALTY"] == 1
    assert result.skipped["unknown event DID"] == 1


def test_asterisk_14_layouts() -> None:
    result = parse_file(LEGACY)

    assert result.errors == []
    assert types(result) == {
        "agent.login": 2,
        "agent.logout": 2,
        "call.queued": 4,
        "call.answered": 2,
        "call.transferred": 1,
        "call.ended": 2,
        "call.wrapup_ended": 2,
        "agent.state": 2,
        "call.left_queue": 1,
        "call.abandoned": 1,
    }
    transfer = next(e for e in result.events if isinstance(e, CallTransferred))
    assert (transfer.call_id, transfer.to_agent) == ("1199145799.5", "2001@from-internal")
    abandon = next(e for e in result.events if isinstance(e, CallAbandoned))
    assert (abandon.call_id, abandon.queue, abandon.ms) == (
        "1199146499.10",
        "support",
        1_199_146_530_000,
    )


def test_malformed_lines_are_reported_with_their_line_numbers() -> None:
    result = parse_file(MALFORMED)

    assert [error.line_no for error in result.errors] == [2, 3, 4, 6, 7, 8, 9, 10, 12, 14, 15]
    assert "expected at least 5" in result.errors[0].reason
    assert "UNIX time" in result.errors[1].reason
    assert "uniqueid" in result.errors[2].reason
    assert "holdtime" in result.errors[3].reason
    assert result.skipped == {"QUEUESTART": 1, "unknown event MYCUSTOMEVENT": 1}
    assert [event_type(e) for e in result.events] == [
        "call.queued",
        "call.answered",
        "call.ended",
        "call.wrapup_ended",
    ]


def test_wrapup_ends_wrapup_seconds_after_a_completed_call_and_at_a_transfer() -> None:
    lines = MODERN.read_text().splitlines()
    by_default = parse_queue_log(lines)
    held = parse_queue_log(lines, wrapup_seconds=30)

    def ends(result: ParseResult) -> dict[str, tuple[int, int]]:
        ended = {e.call_id: e.ms for e in result.events if isinstance(e, CallEnded)}
        return {
            e.call_id: (ended[e.call_id], e.ms - ended[e.call_id])
            for e in result.events
            if isinstance(e, CallWrapupEnded)
        }

    transferred = {e.call_id for e in held.events if isinstance(e, CallTransferred)}
    assert len(ends(by_default)) == 6
    assert {after for _, after in ends(by_default).values()} == {0}
    assert ends(held).keys() == ends(by_default).keys()
    assert transferred
    assert transferred < ends(held).keys()
    for call_id, (_, after) in ends(held).items():
        assert after == (0 if call_id in transferred else 30_000), call_id
    assert [e.id for e in held.events] == [e.id for e in by_default.events]
    assert parse_queue_log(lines, wrapup_seconds=-5).events == by_default.events
    by_queue = parse_queue_log(lines, wrapup_seconds=None)  # the queues' limits end wrap-up
    assert ends(by_queue) == {c: (end, 0) for c, (end, _) in ends(held).items() if c in transferred}


def test_start_line_offsets_error_line_numbers() -> None:
    result = parse_queue_log(["not a queue_log line", "1|2"], start_line=1001)

    assert [error.line_no for error in result.errors] == [1001, 1002]


def test_event_ids_are_a_function_of_the_record() -> None:
    lines = MODERN.read_text().splitlines()
    first = parse_queue_log(lines)
    again = parse_queue_log(line + "\r\n" for line in lines)
    later_batch = parse_queue_log(lines[20:], start_line=21)

    ids = [event.id for event in first.events]
    assert ids == [event.id for event in again.events]
    assert len(set(ids)) == len(ids)
    assert {event.id for event in later_batch.events} <= set(ids)


def test_same_second_same_event_on_two_calls_gets_two_ids() -> None:
    result = parse_queue_log(
        [
            "1700000000|1.1|support|NONE|ENTERQUEUE||1|1",
            "1700000000|1.2|support|NONE|ENTERQUEUE||1|1",
        ]
    )

    assert [e.call_id for e in result.events if isinstance(e, CallQueued)] == ["1.1", "1.2"]


def test_extend_drops_events_already_held() -> None:
    lines = MODERN.read_text().splitlines()
    total = parse_queue_log(lines[:30])
    total.extend(parse_queue_log(lines[25:], start_line=26))

    assert [e.id for e in total.events] == [e.id for e in parse_queue_log(lines).events]
    assert total.skipped["duplicate"] > 0


def test_split_line_keeps_pipes_of_trailing_data() -> None:
    record = split_queue_log_line("1700000000|1.1|q|NONE|ENTERQUEUE||0612|1|Doe|Jane\r\n")

    assert record.data == ("", "0612", "1", "Doe", "Jane")
    assert record.ms == 1_700_000_000_000
    with pytest.raises(LineFormatError, match="UNIX time"):
        split_queue_log_line("yesterday|1.1|q|NONE|ENTERQUEUE||0612|1")


def test_oversized_names_are_clipped_to_the_schema_limit() -> None:
    agent = "PJSIP/" + "x" * 300
    result = parse_queue_log([f"1700000000|NONE|support|{agent}|PAUSE|{'r' * 100}"])

    state = result.events[0]
    assert isinstance(state, AgentState)
    assert (len(state.agent), len(state.reason or "")) == (128, 64)


def test_an_event_the_server_would_reject_is_an_error() -> None:
    result = parse_queue_log(["1700000000|" + "u" * 200 + "|support|NONE|ENTERQUEUE||1|1"])

    assert result.events == []
    assert result.errors == [LineError(1, result.errors[0].reason)]
    assert "call.queued would be rejected" in result.errors[0].reason
