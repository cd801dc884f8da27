"""`/v1/callbacks`: the call-back list (docs/metrics.md, "Call-backs"). Every wall reader reads
it, numbers whole or masked by role (app/callbacks/service.py); supervisors, admins and the
team leads of the queue's teams dismiss entries."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from app.auth.deps import ReadPrincipal, StaffPrincipal
from app.callbacks.report import build_callback_report
from app.callbacks.report_csv import callback_report_csv, callback_report_filename
from app.callbacks.schemas import (
    CallbackOut,
    CallbackPage,
    CallbackReport,
    DismissIn,
    StatusFilter,
)
from app.callbacks.service import Row, entry_out, may_dismiss, page, rows_of, sees_whole
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.logging import get_logger
from app.events.schemas import CallbackDismissed
from app.facts.scoping import parse_day, tenant_today, tenant_zone
from app.ingest.service import append_events
from app.services import Services, ServicesDep

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])
log = get_logger(__name__)
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such entry on the tenant's list (open, or closed in the last day)"}
}


async def _rows(services: Services, tenant_id: int) -> tuple[int, list[Row]]:
    got = await services.engine.callbacks(tenant_id)
    if got is None:
        return 0, []
    at_ms, raw = got
    return at_ms, rows_of(raw)


@router.get(
    "",
    summary="The call-back list, oldest first miss first",
    description="Callers whose call went unanswered and whom nobody reached since (`open`), and "
    "entries that closed in the last 24 hours. Numbers are whole for supervisors, admins, API "
    "keys and team leads of the queue's teams, masked (`+48 ••• ••• 567`) for everyone else. "
    "Pages of `limit` entries: pass `next_cursor` as `cursor` for the next one. Display links "
    "are refused: a wall reads the list from its WebSocket topic (`callbacks:SCOPE`, whose "
    "numbers follow the same rule: masked for a display).",
)
async def list_callbacks(
    principal: ReadPrincipal,
    services: ServicesDep,
    status: Annotated[StatusFilter, Query(description="`all`: every status")] = "open",
    queue: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
) -> CallbackPage:
    at_ms, rows = await _rows(services, principal.tenant_id)
    return page(principal, at_ms, rows, status=status, queue=queue, limit=limit, cursor=cursor)


@router.get(
    "/report",
    summary="Missed callers per day and what became of them (JSON or CSV)",
    description="Per local day of the first miss (the tenant's time zone), `from` to `to` "
    "inclusive (at most 366 days): callers missed, called back, called again, expired, "
    "dismissed and still open, the call-back rate and the mean time to call-back. Counts only: "
    "no numbers. `format=csv`: the same rows as a CSV download (a `queue` column, the rate "
    "rounded to 4 decimals and seconds to 1; text cells that a spreadsheet would run as a "
    "formula start with `'`). See docs/reports.md.",
    response_model=CallbackReport,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def get_callback_report(
    principal: ReadPrincipal,
    services: ServicesDep,
    from_: Annotated[str, Query(alias="from", description="first local date, or `today`")],
    to: Annotated[str, Query(description="last local date (inclusive), or `today`")],
    queue: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    format: Literal["json", "csv"] = "json",
) -> CallbackReport | Response:
    _, rows = await _rows(services, principal.tenant_id)
    async with services.db.session() as session:
        today = await tenant_today(services, session, principal.tenant_id)
        timezone = await tenant_zone(session, principal.tenant_id)
        report = await build_callback_report(
            session,
            principal.tenant_id,
            timezone,
            parse_day(from_, today),
            parse_day(to, today),
            queue,
            rows,
        )
    if format == "csv":
        name = callback_report_filename(report)
        return Response(
            callback_report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return report


@router.post(
    "/{callback_id}/dismiss",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Take an entry off the list: no call-back needed (staff)",
    description="Admins and supervisors dismiss any entry, team leads those of their teams' "
    "queues. The dismissal goes through the event log (`callback.dismissed`), so the list shows "
    "it as soon as the aggregator has applied it (usually within a second); the answer is the "
    "entry as it will then read. 409 when the entry is no longer open.",
    responses={**NOT_FOUND, 409: {"description": "the entry is not open"}},
)
async def dismiss_callback(
    callback_id: int, body: DismissIn, principal: StaffPrincipal, services: ServicesDep
) -> CallbackOut:
    at_ms, rows = await _rows(services, principal.tenant_id)
    row = next((r for r in rows if r.id == callback_id), None)
    if row is None:
        raise NotFound(f"no call-back entry {callback_id}")
    if not may_dismiss(principal, row):
        raise Forbidden(f"{principal.describe()} may dismiss only entries of its teams' queues")
    if row.status != "open":
        raise Conflict(f"call-back entry {callback_id} is {row.status}, not open")
    event = CallbackDismissed(
        id=f"dismiss:{uuid.uuid4().hex}", ts=at_ms, callback_id=callback_id, reason=body.reason
    )
    await append_events(services.engine, principal.tenant_id, [event])
    log.info("call-back dismissed", callback_id=callback_id, by=principal.describe())
    dismissed = entry_out(row, sees_whole(principal, row))
    return dismissed.model_copy(update={"status": "dismissed", "reason": body.reason})
