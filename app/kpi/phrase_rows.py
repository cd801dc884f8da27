"""The phrase metrics of a KPI report, from the phrase rollups (app/facts/phrase_rollups.py):
`banned_calls` and `negative_sentiment_share` on every row, and per phrase list
`phrase_hits:LIST`, `calls_with:LIST` and, for `required` lists, `script_adherence:LIST`, with
the formulas of the live aggregator (app/streams/aggregator/phrases.py).

Which lists a report has columns for: the tenant's lists now, and every list with facts in the
report's range (a list deleted since still shows what it counted). `script_adherence:LIST`
exists for the lists that are `required` now, or that were and have adherent calls in the range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.facts.calendar import ReportCalendar
from app.facts.phrase_rollups import PhraseRollupRow
from app.phrases.models import PhraseListRow
from app.registry.metrics import ratio
from app.registry.sums import PHRASE_SUM_FIELDS
from app.streams.aggregator.catalog import Metrics
from app.streams.aggregator.phrases import ADHERENCE_PREFIX, CALLS_WITH_PREFIX, PHRASE_HITS

PHRASE_COLUMNS: Final = ("banned_calls", "negative_sentiment_share")
"""The phrase metrics every report row has (the per-list ones depend on the tenant's lists)."""
NO_LIST: Final = ""
HITS, CALLS_WITH, ADHERENT, TRANSCRIBED, BANNED, WITH_SENTIMENT, NEGATIVE = range(
    len(PHRASE_SUM_FIELDS)
)

PhraseSums = dict[str, list[int]]
"""List name ('' for the sums of no list) -> its PHRASE_SUM_FIELDS."""


@dataclass(frozen=True, slots=True)
class PhraseLists:
    """The phrase lists a report has columns for, in name order."""

    names: tuple[str, ...] = ()
    required: frozenset[str] = frozenset()

    @property
    def metric_names(self) -> tuple[str, ...]:
        out: list[str] = []
        for name in self.names:
            out += [PHRASE_HITS + name, CALLS_WITH_PREFIX + name]
            if name in self.required:
                out.append(ADHERENCE_PREFIX + name)
        return tuple(out)


async def report_lists(
    session: AsyncSession, tenant_id: int, kind: str, cal: ReportCalendar
) -> PhraseLists:
    """The tenant's lists now and the lists with rollup rows of `kind` (the tenant's rows) in
    the report's range."""
    current = dict(
        (
            await session.execute(
                select(PhraseListRow.name, PhraseListRow.kind).where(
                    PhraseListRow.tenant_id == tenant_id
                )
            )
        ).all()
    )
    t = PhraseRollupRow.__table__
    counted = (
        await session.execute(
            select(t.c.list_name, cast(func.sum(t.c.adherent), BigInteger))
            .where(
                t.c.tenant_id == tenant_id,
                t.c.kind == kind,
                t.c.ivl_ms >= cal.start_ms,
                t.c.ivl_ms < cal.end_ms,
                t.c.list_name != NO_LIST,
            )
            .group_by(t.c.list_name)
        )
    ).all()
    required = {name for name, list_kind in current.items() if list_kind == "required"}
    required |= {name for name, adherent in counted if adherent}
    names = sorted(set(current) | {name for name, _ in counted})
    return PhraseLists(tuple(names), frozenset(required))


async def phrase_groups(
    session: AsyncSession,
    tenant_id: int,
    kind: str,
    cal: ReportCalendar,
    group_columns: Sequence[str],
    where: Sequence[Any] = (),
) -> dict[tuple[tuple[str, ...], int], PhraseSums]:
    """Sum the phrase rollup rows of `kind` per group, bucket and list."""
    t = PhraseRollupRow.__table__
    groups = [t.c[c] for c in group_columns]
    keys = cal.sql_keys(t.c.ivl_ms)
    sums = [cast(func.sum(t.c[c]), BigInteger) for c in PHRASE_SUM_FIELDS]
    query = (
        select(*groups, *keys, t.c.list_name, *sums)
        .where(
            t.c.tenant_id == tenant_id,
            t.c.kind == kind,
            t.c.ivl_ms >= cal.start_ms,
            t.c.ivl_ms < cal.end_ms,
            *where,
        )
        .group_by(*groups, *keys, t.c.list_name)
    )
    n_groups, n_keys = len(groups), len(keys)
    out: dict[tuple[tuple[str, ...], int], PhraseSums] = {}
    for row in (await session.execute(query)).all():
        group = tuple(row[:n_groups])
        bucket = cal.bucket_from_keys(tuple(row[n_groups : n_groups + n_keys]))
        by_list = out.setdefault((group, bucket), {})
        found = by_list.get(row[n_groups + n_keys])
        if found is None:
            found = by_list[row[n_groups + n_keys]] = [0] * len(PHRASE_SUM_FIELDS)
        for i, value in enumerate(row[n_groups + n_keys + 1 :]):
            found[i] += int(value or 0)
    return out


def merge_sums(into: PhraseSums, other: PhraseSums) -> None:
    for name, sums in other.items():
        found = into.setdefault(name, [0] * len(PHRASE_SUM_FIELDS))
        for i, value in enumerate(sums):
            found[i] += value


NONE: Final[list[int]] = [0] * len(PHRASE_SUM_FIELDS)


def phrase_metrics(sums: PhraseSums | None, lists: PhraseLists) -> Metrics:
    """A row's phrase metrics from its sums (None: no phrase facts)."""
    found = sums or {}
    general = found.get(NO_LIST, NONE)
    out: Metrics = {
        "banned_calls": general[BANNED],
        "negative_sentiment_share": ratio(general[NEGATIVE], general[WITH_SENTIMENT]),
    }
    for name in lists.names:
        mine = found.get(name, NONE)
        out[PHRASE_HITS + name] = mine[HITS]
        out[CALLS_WITH_PREFIX + name] = mine[CALLS_WITH]
        if name in lists.required:
            out[ADHERENCE_PREFIX + name] = ratio(mine[ADHERENT], general[TRANSCRIBED])
    return out


def no_phrase_metrics(lists: PhraseLists) -> Metrics:
    """Rows the phrase metrics do not apply to (pipelines)."""
    return dict.fromkeys((*PHRASE_COLUMNS, *lists.metric_names))
