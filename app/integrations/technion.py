"""Anonymous Bank call records (the Technion call-centre data set) as canonical events.

One tab-separated record per call (format: `shared/data/README.md`). The mapping:

- `PHANTOM` records, and `HANG` records that never queued (`q_start` = `0:00:00`), are skipped
  and counted under `PHANTOM` and `HANG never queued`.
- queue = `type`; agent = `server`, none for `NO_SERVER`; priority = `priority`;
  call id = `date-vru+line-call_id` (call ids are unique per VRU line and day only).
- The call is queued at `date` + `q_start`, or at `date` + `ser_start` when it never queued.
  Five served records that never queued carry no service times at all (`ser_start` and
  `ser_exit` both `0:00:00`, `ser_time` 0); they are queued at `vru_exit`, the moment the call
  left the voice-response unit for an agent.
- A served call (`AGENT`) is answered at queued + `q_time`, ends `ser_time` seconds later and
  has no wrap-up (`call.wrapup_ended` at the end time). A `HANG` call that queued is abandoned
  at queued + `q_time`.
- Clock times are wall-clock times in the zone `tz` on `date`, the day of the VRU entry. A time
  more than 12 hours *before* the VRU entry belongs to the next day (calls that run past
  midnight); a time slightly before it is clock skew between the VRU and the ACD (five records
  have `vru_exit` up to 75 s before `vru_entry`) and stays on the same day. Durations
  (`q_time`, `ser_time`) are elapsed seconds added to the absolute instant, so a DST change
  during a call does not bend them.

Events come out sorted by time. At one instant, calls that end or are abandoned then come
before calls that are answered then, so an agent who finishes one call and takes the next in the
same second is never seen on two calls at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.events.schemas import (
    AnyEvent,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallQueued,
    CallWrapupEnded,
)
from app.integrations.common import ParseResult

COLUMNS: Final = (
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)
NEVER: Final = "0:00:00"
NO_SERVER: Final = "NO_SERVER"
SKIP_PHANTOM: Final = "PHANTOM"
SKIP_HANG_NOT_QUEUED: Final = "HANG never queued"
NEXT_DAY_BEFORE_ENTRY_S: Final = 12 * 3600

_CLOCK = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})")
_COUNT = re.compile(r"\d{1,9}")
_PRIORITY = re.compile(r"-?\d{1,9}")
_DATE = re.compile(r"\d{6}")


class RecordError(ValueError):
    """A record field does not hold what the format promises."""


@dataclass(frozen=True, slots=True)
class _Timed:
    """An event with the keys that order it among the other calls' events."""

    ms: int
    closing: bool
    record_no: int
    step: int
    event: AnyEvent


def parse_technion(lines: Iterable[str], tz: str = "UTC") -> ParseResult:
    """Turn Anonymous Bank records into canonical call events, sorted by time.

    `lines` are the file's lines (with or without line ends); the header line is recognised
    and skipped wherever it appears, blank lines are ignored. Line numbers in errors count from
    1 at the first line given. Raises `ValueError` only for an unknown time zone `tz`.
    """
    zone = _zone(tz)
    result = ParseResult()
    timed: list[_Timed] = []
    for line_no, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        fields = line.split("\t")
        if fields[0] == COLUMNS[0]:
            continue
        try:
            events = _record_events(fields, zone, result)
        except RecordError as exc:
            result.error(line_no, str(exc))
            continue
        for step, (event, closing) in enumerate(events):
            timed.append(_Timed(event.ms, closing, line_no, step, event))
    timed.sort(key=lambda t: (t.ms, not t.closing, t.record_no, t.step))
    for item in timed:
        result.add(item.record_no, item.event)
    result.errors.sort(key=lambda error: error.line_no)
    return result


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}: expected an IANA name such as UTC") from exc


def _record_events(
    fields: list[str], zone: ZoneInfo, result: ParseResult
) -> list[tuple[AnyEvent, bool]]:
    """The events of one record with, for each, whether it closes a phase begun earlier."""
    if len(fields) != len(COLUMNS):
        raise RecordError(f"expected {len(COLUMNS)} tab-separated fields, got {len(fields)}")
    rec = dict(zip(COLUMNS, fields, strict=True))
    outcome = rec["outcome"]
    if outcome not in ("AGENT", "HANG", "PHANTOM"):
        raise RecordError(f"outcome: expected AGENT, HANG or PHANTOM, got {outcome!r}")
    queued = rec["q_start"] != NEVER
    if outcome == "PHANTOM":
        result.skip(SKIP_PHANTOM)
        return []
    if outcome == "HANG" and not queued:
        result.skip(SKIP_HANG_NOT_QUEUED)
        return []

    day = _date(rec["date"])
    entry_s = _clock(rec, "vru_entry")
    if queued:
        queued_s = _clock(rec, "q_start")
    elif rec["ser_start"] == NEVER and rec["ser_exit"] == NEVER:
        queued_s = _clock(rec, "vru_exit")
    else:
        queued_s = _clock(rec, "ser_start")
    if queued_s < entry_s - NEXT_DAY_BEFORE_ENTRY_S:
        queued_s += 86_400
    queued_ms = _wall_to_ms(day, queued_s, zone)
    wait_ms = _count(rec, "q_time") * 1000 if queued else 0

    vru, call_no, stamp = rec["vru+line"], rec["call_id"], rec["date"]
    if not vru or not call_no:
        raise RecordError("vru+line and call_id: expected both to be non-empty")
    call_id = f"{stamp}-{vru}-{call_no}"
    queue = rec["type"]
    if not queue:
        raise RecordError("type: expected a service type such as PS, got an empty field")
    priority = _priority(rec["priority"])

    def event_id(kind: str) -> str:
        return f"ab:{call_id}:{kind}"

    enqueue = CallQueued(
        id=event_id("queued"), ts=queued_ms, call_id=call_id, queue=queue, priority=priority
    )
    out_ms = queued_ms + wait_ms
    if outcome == "HANG":
        abandon = CallAbandoned(id=event_id("abandoned"), ts=out_ms, call_id=call_id, queue=queue)
        return [(enqueue, False), (abandon, wait_ms > 0)]

    talk_ms = _count(rec, "ser_time") * 1000
    end_ms = out_ms + talk_ms
    server = rec["server"]
    agent = None if server in (NO_SERVER, "") else server
    answer = CallAnswered(
        id=event_id("answered"), ts=out_ms, call_id=call_id, agent=agent, queue=queue
    )
    end = CallEnded(id=event_id("ended"), ts=end_ms, call_id=call_id)
    wrapup = CallWrapupEnded(id=event_id("wrapup_ended"), ts=end_ms, call_id=call_id)
    return [(enqueue, False), (answer, False), (end, talk_ms > 0), (wrapup, talk_ms > 0)]


def _date(value: str) -> date:
    if _DATE.fullmatch(value):
        try:
            return datetime.strptime(value, "%y%m%d").date()
        except ValueError:
            pass
    raise RecordError(f"date: expected YYMMDD, got {value!r}")


def _clock(rec: dict[str, str], column: str) -> int:
    """Seconds since midnight of an `h:mm:ss` field."""
    value = rec[column]
    match = _CLOCK.fullmatch(value)
    if match:
        hours, minutes, seconds = (int(part) for part in match.groups())
        if hours < 24 and minutes < 60 and seconds < 60:
            return hours * 3600 + minutes * 60 + seconds
    raise RecordError(f"{column}: expected a time h:mm:ss, got {value!r}")


def _count(rec: dict[str, str], column: str) -> int:
    value = rec[column]
    if not _COUNT.fullmatch(value):
        raise RecordError(f"{column}: expected a whole number of seconds >= 0, got {value!r}")
    return int(value)


def _priority(value: str) -> int:
    if not _PRIORITY.fullmatch(value):
        raise RecordError(f"priority: expected an integer, got {value!r}")
    return int(value)


def _wall_to_ms(day: date, seconds: int, zone: ZoneInfo) -> int:
    wall = datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)
    return int(wall.replace(tzinfo=zone).timestamp()) * 1000
