"""Planned shifts: validation, CRUD and CSV import.

Times are given in the tenant's local time (`2024-03-04 08:00`, `2024-03-04T08:00`) or as ISO
8601 with an offset (`2024-03-04T08:00:00+01:00`, `...Z`). A local time that does not exist
(skipped by a spring DST change) is refused; one that happens twice (autumn) means the first.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.policy import Access
from app.core.errors import BadRequest, Conflict, FloorwatchError, Forbidden, NotFound
from app.facts.calendar import ReportCalendar
from app.facts.scoping import live_now
from app.services import Services
from app.shifts.models import ShiftRow
from app.shifts.outcomes import RECORD_COLUMNS, ShiftOutcome, ShiftRecord, evaluate_shifts

MAX_SHIFT_MS: Final = 24 * 3_600_000
MAX_IMPORT_ROWS: Final = 50_000
CSV_COLUMNS: Final = ("agent", "start", "end", "break_minutes", "note")


@dataclass(frozen=True, slots=True)
class ShiftInput:
    agent: str
    start_ms: int
    end_ms: int
    break_minutes: int = 0
    note: str | None = None


def to_ms(value: datetime | str, tz: ZoneInfo) -> int:
    """Epoch ms of an aware datetime, or of a naive one read as local time in `tz`."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(
                f"expected a date and time such as 2024-03-04 08:00 or "
                f"2024-03-04T08:00:00+01:00, got {value!r}"
            ) from exc
    if not 1971 <= value.year <= 9998:
        raise ValueError(f"expected a year from 1971 to 9998, got {value.year}")
    if value.tzinfo is None:
        local = value.replace(tzinfo=tz)
        back = local.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back != value:
            raise ValueError(f"{value.isoformat(sep=' ')} does not exist in {tz.key} (DST change)")
        value = local
    return int(value.timestamp() * 1000)


def check_shift(agent: str, start_ms: int, end_ms: int, break_minutes: int) -> None:
    if not agent or len(agent) > 128:
        raise ValueError("agent: expected the agent id used in events (1-128 characters)")
    if end_ms <= start_ms:
        raise ValueError("end: expected a time after start")
    if end_ms - start_ms > MAX_SHIFT_MS:
        raise ValueError("end: a shift lasts at most 24 hours")
    if break_minutes < 0 or break_minutes * 60_000 >= end_ms - start_ms:
        raise ValueError("break_minutes: expected >= 0 and shorter than the shift")


def _checked(shift: ShiftInput) -> None:
    try:
        check_shift(shift.agent, shift.start_ms, shift.end_ms, shift.break_minutes)
    except ValueError as exc:
        field = str(exc).partition(":")[0]
        raise BadRequest(str(exc), details=[{"field": field, "reason": str(exc)}]) from exc


async def get_shift(session: AsyncSession, tenant_id: int, shift_id: int) -> ShiftRow:
    row = await session.get(ShiftRow, shift_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"no shift {shift_id}")
    return row


async def list_shifts(
    session: AsyncSession,
    tenant_id: int,
    start_ms: int,
    end_ms: int,
    agents: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[ShiftRow]:
    """Shifts starting in [start_ms, end_ms), by start time then agent."""
    query = select(ShiftRow).where(
        ShiftRow.tenant_id == tenant_id,
        ShiftRow.start_ms >= start_ms,
        ShiftRow.start_ms < end_ms,
    )
    if agents is not None:
        query = query.where(ShiftRow.agent.in_(list(agents)))
    query = query.order_by(ShiftRow.start_ms, ShiftRow.agent)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.scalars(query)).all())


async def shift_records(
    session: AsyncSession,
    tenant_id: int,
    start_ms: int,
    end_ms: int,
    agents: Sequence[str] | None = None,
) -> list[ShiftRecord]:
    """Shifts starting in [start_ms, end_ms) as light records (no ORM objects)."""
    t = ShiftRow.__table__
    query = select(*(t.c[c] for c in RECORD_COLUMNS)).where(
        t.c.tenant_id == tenant_id, t.c.start_ms >= start_ms, t.c.start_ms < end_ms
    )
    if agents is not None:
        query = query.where(t.c.agent.in_(list(agents)))
    rows = await session.execute(query.order_by(t.c.start_ms, t.c.agent))
    return [ShiftRecord._make(row) for row in rows.all()]


async def _overlapping(
    session: AsyncSession, tenant_id: int, shifts: Sequence[ShiftInput]
) -> list[ShiftRow]:
    if not shifts:
        return []
    lo = min(s.start_ms for s in shifts) - MAX_SHIFT_MS
    hi = max(s.end_ms for s in shifts)
    agents = sorted({s.agent for s in shifts})
    rows: list[ShiftRow] = []
    for at in range(0, len(agents), 500):
        rows.extend(
            (
                await session.scalars(
                    select(ShiftRow).where(
                        ShiftRow.tenant_id == tenant_id,
                        ShiftRow.agent.in_(agents[at : at + 500]),
                        ShiftRow.start_ms >= lo,
                        ShiftRow.start_ms < hi,
                    )
                )
            ).all()
        )
    return rows


def _overlap_error(a: ShiftInput | ShiftRow, b: ShiftInput | ShiftRow) -> str | None:
    if a.agent == b.agent and a.start_ms < b.end_ms and b.start_ms < a.end_ms:
        return f"overlaps another shift of agent {a.agent!r}"
    return None


async def create_shift(session: AsyncSession, tenant_id: int, shift: ShiftInput) -> ShiftRow:
    _checked(shift)
    for other in await _overlapping(session, tenant_id, [shift]):
        if _overlap_error(shift, other):
            raise Conflict(f"the shift overlaps shift {other.id} of agent {shift.agent!r}")
    row = ShiftRow(
        tenant_id=tenant_id,
        agent=shift.agent,
        start_ms=shift.start_ms,
        end_ms=shift.end_ms,
        break_minutes=shift.break_minutes,
        note=shift.note,
    )
    session.add(row)
    await session.flush()
    return row


def reset_outcome(row: ShiftRow) -> None:
    row.evaluated_ms = None
    row.revision = (row.revision or 0) + 1


async def update_shift(session: AsyncSession, row: ShiftRow, shift: ShiftInput) -> ShiftRow:
    _checked(shift)
    for other in await _overlapping(session, row.tenant_id, [shift]):
        if other.id != row.id and _overlap_error(shift, other):
            raise Conflict(f"the shift overlaps shift {other.id} of agent {shift.agent!r}")
    row.agent = shift.agent
    row.start_ms = shift.start_ms
    row.end_ms = shift.end_ms
    row.break_minutes = shift.break_minutes
    row.note = shift.note
    reset_outcome(row)
    await session.flush()
    return row


async def delete_shift(session: AsyncSession, row: ShiftRow) -> None:
    await session.execute(delete(ShiftRow).where(ShiftRow.id == row.id))


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int


AgentCheck = Callable[[str], FloorwatchError | None]


def parse_shift_csv(
    text: str, tz: ZoneInfo, agent_refusal: AgentCheck = lambda _: None
) -> list[ShiftInput]:
    """`agent,start,end[,break_minutes[,note]]` per line; a header line is recognised.
    `agent_refusal` is the error a line's agent meets (unknown, not the caller's), or None.
    Raises BadRequest listing every bad line with its number, however many there are (nothing
    is imported then); Forbidden, listing them all too, if an agent is not the caller's."""
    shifts: list[ShiftInput] = []
    errors: list[dict[str, object]] = []
    forbidden = False
    for line_no, record in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not record or all(not cell.strip() for cell in record):
            continue
        if line_no == 1 and record[0].strip().lower() == "agent":
            continue
        try:
            shift = _record(record, tz)
        except ValueError as exc:
            errors.append({"line": line_no, "reason": str(exc)})
            continue
        refused = agent_refusal(shift.agent)
        if refused is not None:
            errors.append({"line": line_no, "field": "agent", "reason": refused.message})
            forbidden = forbidden or isinstance(refused, Forbidden)
            continue
        shifts.append(shift)
        if len(shifts) > MAX_IMPORT_ROWS:
            raise BadRequest(f"at most {MAX_IMPORT_ROWS} shifts per import")
    if errors:
        refusal = Forbidden if forbidden else BadRequest
        raise refusal(
            f"{len(errors)} line(s) are not valid shifts; nothing was imported", details=errors
        )
    return shifts


def _record(record: list[str], tz: ZoneInfo) -> ShiftInput:
    cells = [cell.strip() for cell in record]
    if not 3 <= len(cells) <= len(CSV_COLUMNS):
        raise ValueError(f"expected the columns {', '.join(CSV_COLUMNS)} (the last two optional)")
    agent, start, end = cells[:3]
    brk = cells[3] if len(cells) > 3 and cells[3] else "0"
    if not brk.isdigit():
        raise ValueError(f"break_minutes: expected a whole number of minutes, got {brk!r}")
    try:
        start_ms = to_ms(start, tz)
    except ValueError as exc:
        raise ValueError(f"start: {exc}") from exc
    try:
        end_ms = to_ms(end, tz)
    except ValueError as exc:
        raise ValueError(f"end: {exc}") from exc
    check_shift(agent, start_ms, end_ms, int(brk))
    note = cells[4] if len(cells) > 4 and cells[4] else None
    return ShiftInput(agent, start_ms, end_ms, int(brk), note)


async def import_shifts(
    session: AsyncSession, tenant_id: int, shifts: Sequence[ShiftInput]
) -> ImportResult:
    """Create the shifts; a shift of the same agent starting at the same time is replaced.
    Overlaps (within the file, or with stored shifts) are refused."""
    by_key: dict[tuple[str, int], ShiftInput] = {}
    for shift in shifts:
        by_key[(shift.agent, shift.start_ms)] = shift
    ordered = sorted(by_key.values(), key=lambda s: (s.agent, s.start_ms))
    errors = []
    for a, b in pairwise(ordered):
        if _overlap_error(a, b):
            errors.append({"agent": a.agent, "reason": "shifts in the file overlap"})
    stored = await _overlapping(session, tenant_id, ordered)
    existing = {(r.agent, r.start_ms): r for r in stored}
    of_agent: dict[str, list[ShiftRow]] = defaultdict(list)
    for row in stored:
        if (row.agent, row.start_ms) not in by_key:
            of_agent[row.agent].append(row)
    for shift in ordered:
        for row in of_agent.get(shift.agent, ()):
            if _overlap_error(shift, row):
                errors.append({"agent": shift.agent, "reason": f"overlaps stored shift {row.id}"})
    if errors:
        raise Conflict(f"{len(errors)} overlapping shift(s); nothing was imported", details=errors)
    created = updated = 0
    for shift in ordered:
        found = existing.get((shift.agent, shift.start_ms))
        if found is None:
            session.add(
                ShiftRow(
                    tenant_id=tenant_id,
                    agent=shift.agent,
                    start_ms=shift.start_ms,
                    end_ms=shift.end_ms,
                    break_minutes=shift.break_minutes,
                    note=shift.note,
                )
            )
            created += 1
        else:
            found.end_ms = shift.end_ms
            found.break_minutes = shift.break_minutes
            found.note = shift.note
            reset_outcome(found)
            updated += 1
    await session.flush()
    return ImportResult(created, updated)


async def shift_outcomes(
    services: Services,
    session: AsyncSession,
    tenant_id: int,
    cal: ReportCalendar,
    access: Access,
    team_of: dict[str, str],
    *,
    team: str | None = None,
    agent: str | None = None,
) -> list[ShiftOutcome]:
    """Outcomes of the shifts that start in the report's range and that the caller may see
    (of one team or one agent when given)."""
    now, open_states = await live_now(services, tenant_id)
    agents = [agent] if agent else None
    rows = await shift_records(session, tenant_id, cal.start_ms, cal.end_ms, agents)
    rows = [
        r
        for r in rows
        if access.can_see_agent(r.agent, team_of.get(r.agent))
        and (team is None or team_of.get(r.agent) == team)
    ]
    return await evaluate_shifts(session, tenant_id, rows, open_states, now)
