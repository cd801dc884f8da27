"""Daily per-queue KPIs computed directly from an Anonymous Bank (Technion) file: the oracle.

Written independently of `app.integrations.technion` (csv module, plain datetime arithmetic) so
the adapter, the aggregator and the reports can be compared against it. It applies the same
record rules as the adapter (see that module's docstring) and the metric definitions of
docs/metrics.md:

- a call counts on the day (in `tz`) its outcome happened: answered calls at answer time,
  abandoned calls at abandon time; handle time counts on the day the call ended;
- offered = answered + abandoned (the format has no other unanswered exit);
- short abandoned = abandoned with wait < `short_abandon_s`;
- service level = answered with wait <= `sl_threshold_s` / (offered - short abandoned);
- abandonment rate = (abandoned - short abandoned) / (offered - short abandoned);
- ASA = total wait of answered calls / answered; AHT = total talk / calls ended (no wrap-up);
- max wait = the longest wait of a call answered or abandoned that day.

A ratio with a zero denominator is None.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
ANONYMOUS_BANK_TSV: Final = Path(
    os.environ.get(
        "FLOORWATCH_TECHNION_FILE",
        REPO_ROOT.parent / "shared" / "data" / "anonymous_bank_1999-02-01_02.tsv",
    )
)
SL_THRESHOLD_S: Final = 20
SHORT_ABANDON_S: Final = 5
ALL_QUEUES: Final = "*"


@dataclass(slots=True)
class QueueDayKpis:
    day: date
    queue: str
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answered_within_sl: int = 0
    answered_wait_s: int = 0
    handled: int = 0
    handle_time_s: int = 0
    max_wait_s: int | None = None

    @property
    def offered(self) -> int:
        return self.answered + self.abandoned

    @property
    def service_level(self) -> float | None:
        return _ratio(self.answered_within_sl, self.offered - self.short_abandoned)

    @property
    def abandonment_rate(self) -> float | None:
        return _ratio(self.abandoned - self.short_abandoned, self.offered - self.short_abandoned)

    @property
    def asa_s(self) -> float | None:
        return _ratio(self.answered_wait_s, self.answered)

    @property
    def aht_s(self) -> float | None:
        return _ratio(self.handle_time_s, self.handled)

    def _saw_wait(self, wait_s: int) -> None:
        self.max_wait_s = wait_s if self.max_wait_s is None else max(self.max_wait_s, wait_s)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _seconds(clock: str) -> int:
    hours, minutes, seconds = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def technion_daily_kpis(
    lines: Iterable[str],
    tz: str = "UTC",
    *,
    sl_threshold_s: int = SL_THRESHOLD_S,
    short_abandon_s: int = SHORT_ABANDON_S,
) -> dict[tuple[date, str], QueueDayKpis]:
    """KPIs per (local day, queue) from the lines of a Technion file (header included)."""
    zone = ZoneInfo(tz)
    kpis: dict[tuple[date, str], QueueDayKpis] = {}

    def at(day: date, queue: str) -> QueueDayKpis:
        return kpis.setdefault((day, queue), QueueDayKpis(day, queue))

    for row in csv.DictReader(lines, delimiter="\t"):
        outcome, queued = row["outcome"], row["q_start"] != "0:00:00"
        if outcome == "PHANTOM" or (outcome == "HANG" and not queued):
            continue
        if queued:
            start = row["q_start"]
        elif row["ser_start"] == "0:00:00" and row["ser_exit"] == "0:00:00":
            start = row["vru_exit"]
        else:
            start = row["ser_start"]
        start_s = _seconds(start)
        if _seconds(row["vru_entry"]) - start_s > 12 * 3600:
            start_s += 86_400
        entry_day = datetime.strptime(row["date"], "%y%m%d")
        queued_at = (entry_day + timedelta(seconds=start_s)).replace(tzinfo=zone)
        wait_s = int(row["q_time"]) if queued else 0
        outcome_at = queued_at.astimezone(ZoneInfo("UTC")) + timedelta(seconds=wait_s)
        queue = row["type"]
        day_kpis = at(outcome_at.astimezone(zone).date(), queue)
        day_kpis._saw_wait(wait_s)
        if outcome == "HANG":
            day_kpis.abandoned += 1
            day_kpis.short_abandoned += wait_s < short_abandon_s
            continue
        day_kpis.answered += 1
        day_kpis.answered_wait_s += wait_s
        day_kpis.answered_within_sl += wait_s <= sl_threshold_s
        talk_s = int(row["ser_time"])
        ended_at = outcome_at + timedelta(seconds=talk_s)
        end_kpis = at(ended_at.astimezone(zone).date(), queue)
        end_kpis.handled += 1
        end_kpis.handle_time_s += talk_s
    return kpis


def technion_daily_totals(
    kpis: dict[tuple[date, str], QueueDayKpis],
) -> dict[date, QueueDayKpis]:
    """The same KPIs over all queues of a day (queue `*`)."""
    totals: dict[date, QueueDayKpis] = {}
    for (day, _queue), item in sorted(kpis.items()):
        total = totals.setdefault(day, QueueDayKpis(day, ALL_QUEUES))
        total.answered += item.answered
        total.abandoned += item.abandoned
        total.short_abandoned += item.short_abandoned
        total.answered_within_sl += item.answered_within_sl
        total.answered_wait_s += item.answered_wait_s
        total.handled += item.handled
        total.handle_time_s += item.handle_time_s
        if item.max_wait_s is not None:
            total._saw_wait(item.max_wait_s)
    return totals


def load_technion_kpis(
    path: Path = ANONYMOUS_BANK_TSV, tz: str = "UTC"
) -> dict[tuple[date, str], QueueDayKpis]:
    with path.open(newline="", encoding="ascii") as handle:
        return technion_daily_kpis(handle, tz)
