"""Anonymous Bank (Technion) records written as the Asterisk `queue_log` the same calls would
have left on an Asterisk queue: what a new user replays with `--format asterisk`.

Written from the records with the csv module, independently of both adapters, with the record
rules of `shared/data/README.md` (the ones the Technion adapter documents): a call queues at
`q_start` (or at `ser_start`, or at `vru_exit` when it has no service times, if it never
queued), is answered or abandoned `q_time` seconds later and ends `ser_time` seconds after
the answer; a clock time more than 12 hours before `vru_entry` is on the next day; phantom
records and hang-ups that never queued leave no line.

As app_queue writes them (Asterisk 12+ layouts, one line per event, in the order things
happen; several lines of one second keep that order: a call that ends then comes before one
that is answered then):

    ENTERQUEUE      epoch|uniqueid|queue|NONE|ENTERQUEUE||callerid|position
    CONNECT         epoch|uniqueid|queue|member|CONNECT|holdtime|bridged uniqueid|ringtime
    COMPLETECALLER  epoch|uniqueid|queue|member|COMPLETECALLER|holdtime|calltime|origposition
    ABANDON         epoch|uniqueid|queue|NONE|ABANDON|position|origposition|waittime

The uniqueid is the channel's creation time (`vru_entry`) and a sequence number, as Asterisk
forms it; the member is `server` (`NO_SERVER` too: Asterisk always names the member). Nothing
is written for wrap-up: Asterisk logs none.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

NEXT_DAY_BEFORE_ENTRY_S = 12 * 3600


def _seconds(clock: str) -> int:
    hours, minutes, seconds = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def _epoch(day: datetime, seconds: int, zone: ZoneInfo) -> int:
    return int((day + timedelta(seconds=seconds)).replace(tzinfo=zone).timestamp())


def technion_queue_log(lines: Iterable[str], tz: str) -> str:
    """The queue_log (text, `\\n` line ends) of the records in `lines` (header included)."""
    zone = ZoneInfo(tz)
    timed: list[tuple[int, bool, int, int, str]] = []
    for record_no, row in enumerate(csv.DictReader(lines, delimiter="\t")):
        outcome, queued = row["outcome"], row["q_start"] != "0:00:00"
        if outcome == "PHANTOM" or (outcome == "HANG" and not queued):
            continue
        day = datetime.strptime(row["date"], "%y%m%d")
        entry_s = _seconds(row["vru_entry"])
        if queued:
            start_s = _seconds(row["q_start"])
        elif row["ser_start"] == "0:00:00" and row["ser_exit"] == "0:00:00":
            start_s = _seconds(row["vru_exit"])
        else:
            start_s = _seconds(row["ser_start"])
        if start_s < entry_s - NEXT_DAY_BEFORE_ENTRY_S:
            start_s += 86_400
        enter = _epoch(day, start_s, zone)
        wait = int(row["q_time"]) if queued else 0
        uniqueid = f"{_epoch(day, entry_s, zone)}.{record_no}"
        queue = row["type"]
        caller = row["customer_id"]
        lines_of_call = [(enter, False, f"{uniqueid}|{queue}|NONE|ENTERQUEUE||{caller}|1")]
        if outcome == "HANG":
            lines_of_call.append(
                (enter + wait, wait > 0, f"{uniqueid}|{queue}|NONE|ABANDON|1|1|{wait}")
            )
        else:
            member = row["server"]
            talk = int(row["ser_time"])
            answer = enter + wait
            bridged = f"{answer}.{100_000 + record_no}"  # the member's channel
            lines_of_call.append(
                (answer, False, f"{uniqueid}|{queue}|{member}|CONNECT|{wait}|{bridged}|1")
            )
            lines_of_call.append(
                (
                    answer + talk,
                    talk > 0,
                    f"{uniqueid}|{queue}|{member}|COMPLETECALLER|{wait}|{talk}|1",
                )
            )
        for step, (epoch, closing, rest) in enumerate(lines_of_call):
            timed.append((epoch, not closing, record_no, step, f"{epoch}|{rest}"))
    timed.sort()
    return "".join(f"{line}\n" for *_, line in timed)
