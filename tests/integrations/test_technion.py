from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.events.schemas import (
    AnyEvent,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallQueued,
    CallWrapupEnded,
    event_type,
)
from app.integrations.common import ParseResult
from app.integrations.technion import SKIP_HANG_NOT_QUEUED, SKIP_PHANTOM, parse_technion
from tests.conftest import IN_CI
from tests.integrations.golden import SAMPLES, golden
from tests.integrations.technion_reference import (
    ANONYMOUS_BANK_TSV,
    SHORT_ABANDON_S,
    SL_THRESHOLD_S,
    QueueDayKpis,
    load_technion_kpis,
    technion_daily_kpis,
    technion_daily_totals,
)

QUIRKS = SAMPLES / "anonymous_bank_quirks.tsv"
MALFORMED = SAMPLES / "anonymous_bank_malformed.tsv"
needs_full_file = pytest.mark.skipif(
    not ANONYMOUS_BANK_TSV.exists() and not IN_CI,
    reason=f"{ANONYMOUS_BANK_TSV} is not available (under CI its absence fails the test)",
)


def parse_file(path: Path, tz: str = "UTC") -> ParseResult:
    with path.open(newline="", encoding="ascii") as handle:
        return parse_technion(handle, tz)


def at(event: AnyEvent) -> str:
    return datetime.fromtimestamp(event.ms / 1000, UTC).strftime("%y%m%d %H:%M:%S")


def lifecycle(result: ParseResult, call_id: str) -> list[tuple[str, str]]:
    return [(event_type(e), at(e)) for e in result.events if getattr(e, "call_id", "") == call_id]


@pytest.mark.parametrize("sample", [QUIRKS, MALFORMED], ids=lambda p: p.name)
def test_samples_match_their_golden_output(sample: Path) -> None:
    expected, actual = golden(sample.name.replace(".tsv", ".expected.json"), parse_file(sample))
    assert actual == expected


def test_phantoms_and_hangups_that_never_queued_are_counted_not_sent() -> None:
    result = parse_file(QUIRKS)

    assert result.skipped == {SKIP_PHANTOM: 1, SKIP_HANG_NOT_QUEUED: 1}
    assert result.errors == []
    call_ids = {getattr(e, "call_id", None) for e in result.events}
    assert "990202-AA0101-34645" not in call_ids
    assert "990201-AA0101-34585" not in call_ids


def test_served_call_queues_waits_talks_and_has_no_wrapup() -> None:
    result = parse_file(QUIRKS)

    assert lifecycle(result, "990201-AA0101-34540") == [
        ("call.queued", "990201 08:19:47"),
        ("call.answered", "990201 08:20:21"),
        ("call.ended", "990201 08:22:05"),
        ("call.wrapup_ended", "990201 08:22:05"),
    ]
    answer = next(
        e
        for e in result.events
        if isinstance(e, CallAnswered) and e.call_id == "990201-AA0101-34540"
    )
    assert (answer.agent, answer.queue) == ("MICHAL", "PS")


def test_call_that_never_queued_is_answered_at_service_start() -> None:
    result = parse_file(QUIRKS)

    assert lifecycle(result, "990201-AA0101-34536")[:2] == [
        ("call.queued", "990201 07:02:55"),
        ("call.answered", "990201 07:02:55"),
    ]


def test_served_without_a_name_has_no_agent() -> None:
    result = parse_file(QUIRKS)

    answer = next(
        e
        for e in result.events
        if isinstance(e, CallAnswered) and e.call_id == "990201-AA0101-34537"
    )
    assert answer.agent is None


def test_hangup_in_queue_is_an_abandon_after_the_queue_time() -> None:
    result = parse_file(QUIRKS)

    assert lifecycle(result, "990201-AA0101-34539") == [
        ("call.queued", "990201 08:09:22"),
        ("call.abandoned", "990201 08:09:27"),
    ]


def test_calls_past_midnight_end_on_the_next_day() -> None:
    result = parse_file(QUIRKS)

    assert lifecycle(result, "990201-AA0201-34924")[2:] == [
        ("call.ended", "990202 00:00:32"),
        ("call.wrapup_ended", "990202 00:00:32"),
    ]
    assert lifecycle(result, "990202-AA0215-13278") == [
        ("call.queued", "990202 23:59:26"),
        ("call.abandoned", "990203 00:00:27"),
    ]


def test_queue_start_slightly_before_vru_entry_is_clock_skew_not_the_next_day() -> None:
    result = parse_file(QUIRKS)

    assert lifecycle(result, "990201-AA0103-25730")[:2] == [
        ("call.queued", "990201 17:11:29"),
        ("call.answered", "990201 17:12:32"),
    ]


def test_served_call_without_service_times_queues_at_vru_exit() -> None:
    result = parse_file(QUIRKS)

    assert lifecycle(result, "990202-AA0102-30225") == [
        ("call.queued", "990202 21:04:20"),
        ("call.answered", "990202 21:04:20"),
        ("call.ended", "990202 21:04:20"),
        ("call.wrapup_ended", "990202 21:04:20"),
    ]


def test_events_are_sorted_by_time_and_ids_name_the_record() -> None:
    result = parse_file(QUIRKS)

    times = [e.ms for e in result.events]
    assert times == sorted(times)
    assert result.events[0].id == "ab:990201-AA0201-34853:queued"
    assert len({e.id for e in result.events}) == len(result.events)


def test_priority_is_carried_on_the_queued_event() -> None:
    result = parse_file(QUIRKS)

    priorities = {e.call_id: e.priority for e in result.events if isinstance(e, CallQueued)}
    assert priorities["990201-AA0101-34540"] == 2
    assert priorities["990201-AA0101-34536"] == 0


def test_times_are_read_in_the_given_zone() -> None:
    utc = parse_file(QUIRKS)
    israel = parse_file(QUIRKS, tz="Asia/Jerusalem")

    assert [e.id for e in israel.events] == [e.id for e in utc.events]
    assert {u.ms - i.ms for u, i in zip(utc.events, israel.events, strict=True)} == {7_200_000}


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        parse_technion([], tz="Mars/Olympus")


def tsv(fields: str) -> str:
    return "\t".join(fields.split(" "))


def test_a_call_ending_frees_its_agent_before_the_next_answer_in_the_same_second() -> None:
    header = QUIRKS.read_text().splitlines()[0]
    second_call = tsv(
        "AA0101 2 0 0 PS 990201 9:00:00 9:00:09 9 9:00:09 9:01:40 91 AGENT 9:01:40 9:03:00 80 DORIT"
    )
    first_call = tsv(
        "AA0101 1 0 0 PS 990201 8:55:00 8:55:09 9 8:55:09 8:55:10 1 AGENT 8:55:10 9:01:40 390 DORIT"
    )

    result = parse_technion([header, second_call, first_call])

    same_second = [
        (event_type(e), getattr(e, "call_id", ""))
        for e in result.events
        if at(e).endswith("09:01:40")
    ]
    assert same_second == [
        ("call.ended", "990201-AA0101-1"),
        ("call.wrapup_ended", "990201-AA0101-1"),
        ("call.answered", "990201-AA0101-2"),
    ]


def test_malformed_records_are_reported_and_the_rest_is_kept() -> None:
    result = parse_file(MALFORMED)

    assert [(error.line_no, error.reason.split(":")[0]) for error in result.errors] == [
        (2, "expected 17 tab-separated fields, got 16"),
        (3, "vru_entry"),
        (4, "outcome"),
        (5, "q_time"),
        (6, "date"),
        (10, "priority"),
    ]
    assert Counter(event_type(e) for e in result.events) == {
        "call.queued": 2,
        "call.answered": 1,
        "call.ended": 1,
        "call.wrapup_ended": 1,
        "call.abandoned": 1,
    }


def kpis_from_events(events: Iterable[AnyEvent], tz: str) -> dict[tuple[date, str], QueueDayKpis]:
    """What an aggregator following docs/metrics.md would report per day and queue."""
    zone = ZoneInfo(tz)
    queued: dict[str, tuple[int, str]] = {}
    answered: dict[str, int] = {}
    kpis: dict[tuple[date, str], QueueDayKpis] = {}

    def bucket(ms: int, queue: str) -> QueueDayKpis:
        day = datetime.fromtimestamp(ms / 1000, zone).date()
        return kpis.setdefault((day, queue), QueueDayKpis(day, queue))

    for event in events:
        if isinstance(event, CallQueued):
            queued[event.call_id] = (event.ms, event.queue)
        elif isinstance(event, CallAnswered | CallAbandoned):
            start, queue = queued[event.call_id]
            wait_s = (event.ms - start) // 1000
            item = bucket(event.ms, queue)
            item._saw_wait(wait_s)
            if isinstance(event, CallAbandoned):
                item.abandoned += 1
                item.short_abandoned += wait_s < SHORT_ABANDON_S
            else:
                answered[event.call_id] = event.ms
                item.answered += 1
                item.answered_wait_s += wait_s
                item.answered_within_sl += wait_s <= SL_THRESHOLD_S
        elif isinstance(event, CallEnded):
            item = bucket(event.ms, queued[event.call_id][1])
            item.handled += 1
            item.handle_time_s += (event.ms - answered[event.call_id]) // 1000
        else:
            assert isinstance(event, CallWrapupEnded)
    return kpis


def test_adapter_events_give_the_reference_kpis_on_the_quirks_sample() -> None:
    lines = QUIRKS.read_text().splitlines()

    assert kpis_from_events(parse_technion(lines).events, "UTC") == technion_daily_kpis(lines)


@needs_full_file
@pytest.mark.parametrize("tz", ["UTC", "Asia/Jerusalem"])
def test_adapter_events_give_the_reference_kpis_on_the_full_file(tz: str) -> None:
    result = parse_file(ANONYMOUS_BANK_TSV, tz)

    assert result.errors == []
    assert result.skipped == {SKIP_PHANTOM: 27, SKIP_HANG_NOT_QUEUED: 99}
    assert kpis_from_events(result.events, tz) == load_technion_kpis(tz=tz)


@needs_full_file
def test_reference_totals_on_the_full_file() -> None:
    totals = technion_daily_totals(load_technion_kpis(tz="Asia/Jerusalem"))

    first, second = totals[date(1999, 2, 1)], totals[date(1999, 2, 2)]
    assert (first.offered, first.answered, first.abandoned) == (1499, 1354, 145)
    assert (second.offered, second.answered, second.abandoned) == (1787, 1598, 189)
    assert totals[date(1999, 2, 3)].abandoned == 1  # queued at 23:59:26, hung up after midnight
    assert first.offered + second.offered + 1 == 3413 - 27 - 99
