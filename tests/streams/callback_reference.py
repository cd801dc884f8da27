"""A plain reference for the call-back list (docs/metrics.md, "Call-backs").

Every entry ever opened is kept in one list and every change is a raw record; the open list,
the counts and each window are found by scanning them. No ledgers, no ordering tricks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.registry.metrics import callback_metrics
from app.streams.aggregator import CallbackFact, Fact

CLOSED_KEEP_MS = 24 * 3_600_000


def normalise(raw: str, country_code: str | None) -> str:
    """An independent spelling of app/callbacks/numbers: separators out, 00 -> +, national
    numbers get the country code without their trunk zeros."""
    number = re.sub(r"[ \-./()]", "", raw)
    if number.startswith("00"):
        number = "+" + number[2:]
    if not number.startswith("+") and country_code:
        number = "+" + country_code + (number.lstrip("0") or number)
    return number


@dataclass
class REntry:
    id: int
    number: str
    queue: str | None
    first_missed: int
    last_missed: int
    misses: int = 1
    attempts: int = 0
    status: str = "open"
    closed_at: int = 0
    reason: str | None = None
    callback_ms: int | None = None
    opened_in: str | None = None


@dataclass
class RRec:
    t: int
    queue: str | None
    missed: int = 0
    made: int = 0
    ms: int = 0
    closed: int = 0


class ReferenceCallbacks:
    def __init__(self, country_code: str | None, expiry_ms: int, facts: list[Fact]) -> None:
        self.facts = facts
        self.country_code = country_code
        self.expiry_ms = expiry_ms
        self.entries: list[REntry] = []
        self.records: list[RRec] = []

    def find_open(self, caller: str) -> REntry | None:
        number = normalise(caller, self.country_code)
        found = [e for e in self.entries if e.status == "open" and e.number == number]
        assert len(found) <= 1
        return found[0] if found else None

    def next_expiry(self) -> tuple[int, REntry] | None:
        """The open entry that expires first (the earliest last miss; ties by its miss order,
        which is entry order for equal times since aggregator time never goes back)."""
        candidates = [e for e in self.entries if e.status == "open"]
        if not candidates:
            return None
        first = min(candidates, key=lambda e: e.last_missed)
        return first.last_missed + self.expiry_ms, first

    def missed(self, caller: str, queue: str | None, t: int) -> None:
        entry = self.find_open(caller)
        if entry is None:
            number = normalise(caller, self.country_code)
            self.entries.append(REntry(len(self.entries) + 1, number, queue, t, t, opened_in=queue))
            self.records.append(RRec(t, queue, missed=1))
        else:
            entry.misses += 1
            entry.last_missed = t
            entry.queue = queue

    def attempted(self, caller: str) -> None:
        entry = self.find_open(caller)
        if entry is not None:
            entry.attempts += 1

    def connected(self, caller: str, t: int) -> None:
        entry = self.find_open(caller)
        if entry is not None:
            entry.callback_ms = t - entry.last_missed
            self.close(entry, "returned_by_us", t)
            self.records.append(RRec(t, entry.queue, made=1, ms=entry.callback_ms, closed=1))

    def answered(self, caller: str, t: int) -> None:
        entry = self.find_open(caller)
        if entry is not None:
            self.close(entry, "called_again", t)
            self.records.append(RRec(t, entry.queue, closed=1))

    def expire(self, entry: REntry, t: int) -> None:
        self.close(entry, "expired", t)
        self.records.append(RRec(t, entry.queue, closed=1))

    def dismiss(self, entry_id: int, reason: str, t: int) -> None:
        for entry in self.entries:
            if entry.id == entry_id and entry.status == "open":
                entry.reason = reason
                self.close(entry, "dismissed", t)

    def close(self, entry: REntry, status: str, t: int) -> None:
        entry.status = status
        entry.closed_at = t
        self.facts.append(
            CallbackFact(
                fact_id=f"callback:{entry.id}:{entry.first_missed}",
                entry_id=entry.id,
                queue=entry.queue,
                status=status,
                first_missed_ms=entry.first_missed,
                last_missed_ms=entry.last_missed,
                closed_ms=t,
                misses=entry.misses,
                attempts=entry.attempts,
                callback_ms=entry.callback_ms,
            )
        )

    def listed(self, now: int) -> list[REntry]:
        rows = [e for e in self.entries if e.status == "open" or now - e.closed_at < CLOSED_KEEP_MS]
        return sorted(rows, key=lambda e: (e.first_missed, e.id))

    def metrics(
        self, queue: str | None, window: tuple[int, bool] | None, q: int
    ) -> dict[str, float | int | None]:
        """`window`: (start, inclusive), None for `live`; `queue` None: the tenant."""
        out: dict[str, float | int | None] = {
            "unreturned": sum(
                1
                for e in self.entries
                if e.status == "open" and (queue is None or e.queue == queue)
            )
        }
        if window is None:
            return out
        start, inclusive = window

        def opened_in_window(e: REntry) -> bool:
            return (
                (queue is None or e.opened_in == queue)
                and (e.first_missed >= start if inclusive else e.first_missed > start)
                and e.first_missed <= q
            )

        def since_closed(status: str) -> int:
            """Entries opened in the window that closed with `status` by `q`."""
            return sum(
                1
                for e in self.entries
                if opened_in_window(e) and e.status == status and e.closed_at <= q
            )

        recs = [
            r
            for r in self.records
            if (queue is None or r.queue == queue)
            and (r.t >= start if inclusive else r.t > start)
            and r.t <= q
        ]
        out.update(
            callback_metrics(
                (
                    sum(r.missed for r in recs),
                    sum(r.made for r in recs),
                    sum(r.ms for r in recs),
                    sum(r.closed for r in recs),
                    since_closed("returned_by_us"),
                    since_closed("dismissed"),
                )
            )
        )
        return out
