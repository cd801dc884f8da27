"""A CSV export of opportunities (`floorwatch replay --format crm-csv`): a manager's history on
day one, from whichever CRM they use.

One row per opportunity, with a header row. Columns are found by name, case-insensitively,
under the usual names of the CRMs' exports (`COLUMNS`; docs/integrations.md lists them): the
id and the created (or first engaged) date are required; owner, stage, close date, value,
status, currency, pipeline and lost reason are read when present.

Each row is `deal.created` at its created date; a closed one is also `deal.won` (with its
value) or `deal.lost` at its close date. Whether it is closed comes from `status`, or, without
that column, from a stage named like `won`/`lost` (`Closed Won`, `closedlost`); `IsWon`/
`IsClosed` columns of a Salesforce report work too. An open deal is created in its current
stage; a closed one in the default first stage (the export does not say which stages it went
through). Dates without a time are midnight in the tenant's time zone; a close date before the
created date is an error. Event ids are a function of the deal id, so loading the same export
twice is harmless.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Final
from zoneinfo import ZoneInfo

from app.events.schemas import AnyEvent
from app.integrations.common import ParseResult
from app.integrations.crm import (
    CrmMapping,
    RecordError,
    amount,
    currency,
    deal_created,
    deal_lost,
    deal_won,
    epoch_ms,
    text_id,
)

NAMESPACE: Final = "crm-csv"
SOURCE: Final = "import"
COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "id": ("id", "deal id", "opportunity id", "record id", "deal - id"),
    "owner": ("owner", "opportunity owner", "deal owner", "owner id", "deal - owner"),
    "stage": ("stage", "stage name", "deal stage", "deal - stage"),
    "created": (
        "created",
        "created date",
        "create date",
        "engaged",
        "first contact",
        "add time",
        "deal - deal created",
    ),
    "closed": ("close date", "closed", "close time", "won time", "lost time", "deal - won time"),
    "value": ("value", "amount", "deal value", "deal - value"),
    "status": ("status", "deal - status"),
    "currency": ("currency", "deal - currency"),
    "pipeline": ("pipeline", "deal - pipeline"),
    "lost_reason": ("lost reason", "deal - lost reason"),
    "is_won": ("iswon", "won"),
    "is_closed": ("isclosed",),
}
REQUIRED: Final = ("id", "created")
TRUE: Final = frozenset({"true", "1", "yes", "y"})


def parse_crm_csv(text: str, tz: str = "UTC", mapping: CrmMapping | None = None) -> ParseResult:
    """Turn an opportunities export into canonical events; never raises. Errors carry the
    row's line number in the file (the header is line 1)."""
    mapping = mapping or CrmMapping()
    zone = ZoneInfo(tz)
    result = ParseResult()
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), _dialect(text))
    header = _next_row(rows, result)
    if header is None:
        return result
    columns = _columns(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        wanted = "; ".join(f"{name}: one of {', '.join(COLUMNS[name])}" for name in missing)
        result.error(1, f"the header lacks a column for {wanted}")
        return result
    while (row := _next_row(rows, result)) is not None:
        line_no = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            events = list(_row_events(_cells(row, columns), zone, mapping))
        except RecordError as exc:
            result.error(line_no, str(exc))
            continue
        for event in events:
            result.add(line_no, event)
    return result


def _next_row(rows: Iterator[list[str]], result: ParseResult) -> list[str] | None:
    """The next row that the CSV reader can read (None at the end); rows it cannot read (a
    field over the csv module's size limit) are errors on their line."""
    while True:
        try:
            return next(rows)
        except StopIteration:
            return None
        except csv.Error as exc:
            result.error(getattr(rows, "line_num", 1), f"not a CSV row: {exc}")


def _dialect(text: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _columns(header: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    names = [cell.strip().casefold() for cell in header]
    for meaning, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[meaning] = names.index(alias)
                break
    return found


def _cells(row: Sequence[str], columns: Mapping[str, int]) -> dict[str, str]:
    return {
        meaning: row[index].strip() if index < len(row) else ""
        for meaning, index in columns.items()
    }


def _status(cells: Mapping[str, str]) -> str:
    status = cells.get("status", "").casefold()
    if status in ("open", "won", "lost"):
        return status
    if status:
        raise RecordError(f"status: expected open, won or lost, got {cells['status'][:40]!r}")
    if "is_won" in cells or "is_closed" in cells:
        if cells.get("is_won", "").casefold() in TRUE:
            return "won"
        return "lost" if cells.get("is_closed", "").casefold() in TRUE else "open"
    stage = cells.get("stage", "").casefold()
    if "won" in stage:
        return "won"
    if "lost" in stage:
        return "lost"
    return "open"


def _row_events(
    cells: Mapping[str, str], zone: ZoneInfo, mapping: CrmMapping
) -> Iterator[AnyEvent]:
    deal_id = text_id(cells["id"], "the deal's id")
    created = epoch_ms(cells["created"], "created", zone)
    status = _status(cells)
    agent = mapping.agent(cells.get("owner"))
    value = amount(cells.get("value"), "value")
    stage = cells.get("stage", "")
    yield deal_created(
        NAMESPACE,
        (),
        created,
        deal_id,
        agent=agent,
        stage=mapping.stage(stage) if stage and status == "open" else None,
        pipeline=mapping.pipeline(cells.get("pipeline")),
        value=value,
        money=currency(cells.get("currency")),
        source=SOURCE,
    )
    if status == "open":
        return
    closed = epoch_ms(cells.get("closed"), "close date", zone)
    if closed < created:
        raise RecordError(f"close date {cells['closed']!r} is before created {cells['created']!r}")
    if status == "won":
        yield deal_won(NAMESPACE, (), closed, deal_id, value=value, agent=agent)
    else:
        reason = cells.get("lost_reason") or None
        yield deal_lost(NAMESPACE, (), closed, deal_id, reason=reason, agent=agent)
