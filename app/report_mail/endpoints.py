"""`/v1/report-schedules`: KPI reports e-mailed daily or weekly (app/report_mail/sender.py).
Admins, supervisors and team leads, each for what they may see (app/report_mail/service.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.auth.deps import StaffPrincipal
from app.report_mail.schemas import ScheduleIn, ScheduleOut
from app.report_mail.service import create_schedule, delete_schedule, list_schedules
from app.services import ServicesDep

router = APIRouter(prefix="/v1/report-schedules", tags=["reports"])


@router.get("", summary="The report schedules you may manage")
async def get_schedules(principal: StaffPrincipal, services: ServicesDep) -> list[ScheduleOut]:
    async with services.db.session() as session:
        return await list_schedules(session, principal)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="E-mail a KPI report every day or week",
    description="Sent at `hour` (the tenant's local time) with the report of the day before "
    "(daily) or of last week, Monday to Sunday (weekly, on `weekday`), one row per day and "
    "group, as a CSV attachment, to `recipients` through the e-mail alert channel "
    "`channel_id` (its SMTP server and sender). Exactly once per period whichever API process "
    "sends it. A team lead schedules reports of their teams only (`team`), through channels "
    "they manage.",
    responses={403: {"description": "a scope you may not report on"}},
)
async def post_schedule(
    body: ScheduleIn, principal: StaffPrincipal, services: ServicesDep
) -> ScheduleOut:
    async with services.db.session() as session:
        out = await create_schedule(session, principal, body)
        await session.commit()
    return out


@router.delete(
    "/{schedule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop a scheduled report",
    responses={404: {"description": "no such schedule that you may manage"}},
)
async def remove_schedule(
    schedule_id: int, principal: StaffPrincipal, services: ServicesDep
) -> Response:
    async with services.db.session() as session:
        await delete_schedule(session, principal, schedule_id)
        await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
