"""How a planned shift was kept, from the agent's state facts (and its live state).

For a shift [S, E) of an agent:

- logged in at S: a state interval covers S (it started at or before S and ends after it);
- late: not logged in at S, but logged in later in the shift; minutes late = first login - S;
- absent: no logged-in time in the shift (for a shift in progress: none yet);
- early leave: the shift is over and the agent's last logged-in instant in it is before E;
  minutes = E - that instant (a logout and a return within the shift is not early leave);
- productive time: time in the shift spent available, ringing, on a call or in wrap-up;
  adherence = productive time / (E - S - planned breaks), at most 1, for finished shifts.

State facts of one agent never overlap, so the interval covering S, if any, is the last one
that started before S: one index seek. The agent's current, still open state comes from the
live board, so a shift in progress is judged on what is happening now, not only on the
intervals already closed.

A finished shift's outcome is cached on its row. Writing new state facts that touch a shift
clears the cache and bumps the row's `revision` in the same transaction as the facts; an
evaluation only stores its result if the revision is still the one it started from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, Protocol

from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from app.core.db import Database
from app.facts.models import AgentStateFactRow
from app.facts.scoping import OpenState
from app.shifts.models import ShiftRow
from app.streams.aggregator.facts import AgentStateFact, Fact

PRODUCTIVE_STATES: Final = ("available", "ringing", "on_call", "wrapup")
MINUTE_MS: Final = 60_000
CHUNK: Final = 500
SETTLE_BATCH: Final = 500


class ShiftLike(Protocol):
    """A stored shift: its row (`ShiftRow`) or a light record of its columns."""

    @property
    def id(self) -> int: ...
    @property
    def agent(self) -> str: ...
    @property
    def start_ms(self) -> int: ...
    @property
    def end_ms(self) -> int: ...
    @property
    def break_minutes(self) -> int: ...
    @property
    def revision(self) -> int: ...
    @property
    def evaluated_ms(self) -> int | None: ...
    @property
    def outcome_present(self) -> bool | None: ...
    @property
    def outcome_late_ms(self) -> int | None: ...
    @property
    def outcome_early_leave_ms(self) -> int | None: ...
    @property
    def outcome_productive_ms(self) -> int | None: ...


class ShiftRecord(NamedTuple):
    """The columns of a shift, read without the ORM (reports read thousands)."""

    id: int
    agent: str
    start_ms: int
    end_ms: int
    break_minutes: int
    revision: int
    evaluated_ms: int | None
    outcome_present: bool | None
    outcome_late_ms: int | None
    outcome_early_leave_ms: int | None
    outcome_productive_ms: int | None


RECORD_COLUMNS: Final = ShiftRecord._fields


@dataclass(slots=True)
class Evidence:
    """What the closed state intervals say about one shift."""

    cover_state: str | None = None
    cover_end: int | None = None
    first_start: int | None = None
    last_end: int | None = None
    productive_ms: int = 0


@dataclass(frozen=True, slots=True)
class ShiftOutcome:
    shift_id: int
    agent: str
    start_ms: int
    end_ms: int
    break_minutes: int
    started: bool
    ended: bool
    present: bool
    late_ms: int
    early_leave_ms: int
    productive_ms: int

    @property
    def planned_ms(self) -> int:
        """Productive time the shift plans for: its length less planned breaks."""
        return max(0, self.end_ms - self.start_ms - self.break_minutes * MINUTE_MS)

    @property
    def absent(self) -> bool:
        return self.started and not self.present

    @property
    def late(self) -> bool:
        return self.late_ms > 0

    @property
    def early_leave(self) -> bool:
        return self.early_leave_ms > 0

    @property
    def adherence(self) -> float | None:
        if not self.ended or self.planned_ms == 0:
            return None
        return min(1.0, self.productive_ms / self.planned_ms)

    @property
    def status(self) -> str:
        return "finished" if self.ended else "in_progress" if self.started else "planned"


def judge(row: ShiftLike, ev: Evidence, open_state: OpenState | None, now_ms: int) -> ShiftOutcome:
    start, end = row.start_ms, row.end_ms
    covered = ev.cover_end is not None and ev.cover_end > start
    productive = ev.productive_ms
    last_end = ev.last_end
    first_in = ev.first_start
    if covered:
        assert ev.cover_end is not None
        clipped = min(ev.cover_end, end)
        if ev.cover_state in PRODUCTIVE_STATES:
            productive += clipped - start
        last_end = clipped if last_end is None else max(last_end, clipped)
    if open_state is not None:
        o_start, o_end = open_state.since_ms, now_ms
        if o_end > start and o_start < end:
            if o_start <= start:
                covered = True
            elif first_in is None or o_start < first_in:
                first_in = o_start
            clipped = min(o_end, end)
            last_end = clipped if last_end is None else max(last_end, clipped)
            if open_state.state in PRODUCTIVE_STATES:
                productive += clipped - max(o_start, start)
    present = covered or first_in is not None
    ended = now_ms >= end
    late = 0 if covered or first_in is None else first_in - start
    early = end - last_end if ended and present and last_end is not None and last_end < end else 0
    return ShiftOutcome(
        shift_id=row.id,
        agent=row.agent,
        start_ms=start,
        end_ms=end,
        break_minutes=row.break_minutes,
        started=now_ms >= start,
        ended=ended,
        present=present,
        late_ms=late,
        early_leave_ms=early,
        productive_ms=productive,
    )


def cached(row: ShiftLike) -> ShiftOutcome:
    return ShiftOutcome(
        shift_id=row.id,
        agent=row.agent,
        start_ms=row.start_ms,
        end_ms=row.end_ms,
        break_minutes=row.break_minutes,
        started=True,
        ended=True,
        present=bool(row.outcome_present),
        late_ms=row.outcome_late_ms or 0,
        early_leave_ms=row.outcome_early_leave_ms or 0,
        productive_ms=row.outcome_productive_ms or 0,
    )


async def gather_evidence(
    session: AsyncSession, tenant_id: int, shift_ids: Sequence[int]
) -> dict[int, Evidence]:
    """The closed state intervals' evidence for each shift, in two set-based queries per
    chunk: intervals starting inside the shift, and the last interval starting before it."""
    f = aliased(AgentStateFactRow)
    s = ShiftRow
    clipped_end = case((f.end_ms < s.end_ms, f.end_ms), else_=s.end_ms)
    productive = case((f.state.in_(PRODUCTIVE_STATES), clipped_end - f.start_ms), else_=0)
    g = aliased(AgentStateFactRow)

    def latest(column: Any) -> Any:
        """`column` of the agent's last interval starting before the shift (one seek)."""
        return (
            select(column)
            .where(g.tenant_id == s.tenant_id, g.agent == s.agent, g.start_ms < s.start_ms)
            .order_by(g.start_ms.desc())
            .limit(1)
            .correlate(s)
            .scalar_subquery()
        )

    evidence: dict[int, Evidence] = defaultdict(Evidence)
    for at in range(0, len(shift_ids), CHUNK):
        chunk = list(shift_ids[at : at + CHUNK])
        inside = await session.execute(
            select(s.id, func.min(f.start_ms), func.max(clipped_end), func.sum(productive))
            .join(
                f,
                and_(
                    f.tenant_id == s.tenant_id,
                    f.agent == s.agent,
                    f.start_ms >= s.start_ms,
                    f.start_ms < s.end_ms,
                ),
            )
            .where(s.tenant_id == tenant_id, s.id.in_(chunk))
            .group_by(s.id)
        )
        for shift_id, first, last, prod in inside.all():
            ev = evidence[shift_id]
            ev.first_start, ev.last_end, ev.productive_ms = first, last, int(prod or 0)
        cover = await session.execute(
            select(s.id, s.start_ms, latest(g.end_ms), latest(g.state)).where(
                s.tenant_id == tenant_id, s.id.in_(chunk)
            )
        )
        for shift_id, start_ms, end_ms, state in cover.all():
            if end_ms is not None and end_ms > start_ms:
                ev = evidence[shift_id]
                ev.cover_state, ev.cover_end = state, end_ms
    return evidence


async def evaluate_shifts(
    session: AsyncSession,
    tenant_id: int,
    rows: Sequence[ShiftLike],
    open_states: dict[str, OpenState],
    now_ms: int,
) -> list[ShiftOutcome]:
    """Outcomes of the shifts, in the order given. Finished shifts evaluated now are cached
    (committed by this function)."""
    todo = [
        r
        for r in rows
        if r.start_ms <= now_ms and not (r.evaluated_ms is not None and r.end_ms <= now_ms)
    ]
    revisions = {r.id: r.revision for r in todo}
    evidence = await gather_evidence(session, tenant_id, [r.id for r in todo]) if todo else {}
    out: list[ShiftOutcome] = []
    store: list[ShiftOutcome] = []
    for row in rows:
        if row.start_ms > now_ms:
            out.append(judge(row, Evidence(), None, now_ms))
        elif row.id not in revisions:
            out.append(cached(row))
        else:
            outcome = judge(
                row, evidence.get(row.id, Evidence()), open_states.get(row.agent), now_ms
            )
            out.append(outcome)
            if outcome.ended:
                store.append(outcome)
    if store:
        conn = await session.connection()
        await conn.execute(
            update(ShiftRow)
            .where(ShiftRow.id == bindparam("b_id"), ShiftRow.revision == bindparam("b_revision"))
            .values(
                evaluated_ms=now_ms,
                outcome_present=bindparam("b_present"),
                outcome_late_ms=bindparam("b_late"),
                outcome_early_leave_ms=bindparam("b_early"),
                outcome_productive_ms=bindparam("b_productive"),
            ),
            [
                {
                    "b_id": o.shift_id,
                    "b_revision": revisions[o.shift_id],
                    "b_present": o.present,
                    "b_late": o.late_ms,
                    "b_early": o.early_leave_ms,
                    "b_productive": o.productive_ms,
                }
                for o in store
            ],
        )
    if store:
        await session.commit()
    return out


async def invalidate_shift_outcomes(
    conn: AsyncConnection, inserted: Iterable[tuple[int, Fact]]
) -> None:
    """New state facts: forget the cached outcomes of the shifts they may touch (called by the
    facts writer inside its transaction)."""
    spans: dict[int, tuple[set[str], int, int]] = {}
    for tenant_id, fact in inserted:
        if not isinstance(fact, AgentStateFact):
            continue
        agents, lo, hi = spans.get(tenant_id, (set(), fact.start_ms, fact.end_ms))
        agents.add(fact.agent)
        spans[tenant_id] = (agents, min(lo, fact.start_ms), max(hi, fact.end_ms))
    for tenant_id, (agents, lo, hi) in spans.items():
        names = sorted(agents)
        for at in range(0, len(names), CHUNK):
            await conn.execute(
                update(ShiftRow)
                .where(
                    ShiftRow.tenant_id == tenant_id,
                    ShiftRow.agent.in_(names[at : at + CHUNK]),
                    ShiftRow.start_ms <= hi,
                    ShiftRow.end_ms >= lo,
                )
                .values(evaluated_ms=None, revision=ShiftRow.revision + 1)
                .execution_options(synchronize_session=False)
            )


async def settle_shifts(db: Database, tenant_id: int, before_ms: int, now_ms: int) -> int:
    """Judge and store the outcome of every finished shift starting before `before_ms` that
    has none yet (they are judged from the state facts about to be deleted)."""
    settled = 0
    last_id = 0
    while True:
        async with db.session() as session:
            rows = list(
                (
                    await session.scalars(
                        select(ShiftRow)
                        .where(
                            ShiftRow.tenant_id == tenant_id,
                            ShiftRow.start_ms < before_ms,
                            ShiftRow.end_ms <= now_ms,
                            ShiftRow.evaluated_ms.is_(None),
                            ShiftRow.id > last_id,
                        )
                        .order_by(ShiftRow.id)
                        .limit(SETTLE_BATCH)
                    )
                ).all()
            )
            if not rows:
                return settled
            await evaluate_shifts(session, tenant_id, rows, {}, now_ms)
            settled += len(rows)
            last_id = rows[-1].id


class ShiftOutcomeCache:
    """The stored outcomes of shifts, as data derived from the agent-state facts
    (`app.facts.derived.DerivedFromFacts`): new facts invalidate them, expiring facts settle
    them."""

    async def facts_added(self, conn: AsyncConnection, added: Sequence[tuple[int, Fact]]) -> None:
        await invalidate_shift_outcomes(conn, added)

    async def facts_expiring(
        self, db: Database, tenant_id: int, before_ms: int, now_ms: int
    ) -> int:
        return await settle_shifts(db, tenant_id, before_ms, now_ms)


SHIFT_OUTCOMES: Final = ShiftOutcomeCache()
