"""`/v1/dashboards`: dashboards (CRUD), what the editor offers, and display links."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from app.auth.deps import ReadPrincipal, WallPrincipal
from app.core.errors import Forbidden, NotFound
from app.dashboards.demo import DemoLogin, demo_login
from app.dashboards.display_links import (
    create_display_link,
    display_link_dashboard,
    list_display_links,
    revoke_all_display_links,
    revoke_display_link,
    tenant_display_links,
)
from app.dashboards.feed import DashboardFeed
from app.dashboards.schemas import (
    AGENT_STATES,
    GRID_COLUMNS,
    METRICS,
    DashboardIn,
    DashboardOut,
    DashboardUpdate,
    DisplayLinkCreated,
    DisplayLinkIn,
    DisplayLinkListed,
    DisplayLinkOut,
    QueueServiceLevel,
    WallOptions,
)
from app.dashboards.service import (
    create_dashboard,
    delete_dashboard,
    editable,
    ensure_default_dashboard,
    ensure_team_dashboards,
    get_dashboard,
    list_dashboards,
    update_dashboard,
    viewer_of,
)
from app.dashboards.topics import METRIC_WINDOWS
from app.org.service import list_queues, list_teams
from app.pipeline.service import list_stall_limits
from app.services import ServicesDep
from app.streams.aggregator.pipeline import DEFAULT_PIPELINE

router = APIRouter(prefix="/v1/dashboards", tags=["dashboards"])
links_router = APIRouter(prefix="/v1/display-links", tags=["dashboards"])

NOT_VISIBLE: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such dashboard in this tenant, or not one you may see"}
}
NOT_EDITABLE: dict[int | str, dict[str, Any]] = {
    **NOT_VISIBLE,
    403: {"description": "you may see this dashboard but not change it"},
}


@router.get(
    "",
    summary="Dashboards you may see",
    description="A tenant that has no dashboard at all gets the default one (`Floor overview`) "
    "on this first call; a team lead's team without a dashboard gets its `TEAM overview`, "
    "scoped to the team, listed first for them.",
)
async def get_dashboards(principal: WallPrincipal, services: ServicesDep) -> list[DashboardOut]:
    async with services.db.session() as session:
        viewer = await viewer_of(session, principal)
        created = await ensure_default_dashboard(session, principal.tenant_id)
        created = await ensure_team_dashboards(session, viewer) or created
        if created:
            await session.commit()
            services.part(DashboardFeed).changed(principal.tenant_id)
        return await list_dashboards(session, viewer)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a dashboard",
    description="Admins create any; supervisors of all teams tenant-wide ones; supervisors and "
    "team leads ones shared with a team they see.",
    responses={403: {"description": "you may not share a dashboard that way"}},
)
async def post_dashboard(
    body: DashboardIn, principal: ReadPrincipal, services: ServicesDep
) -> DashboardOut:
    async with services.db.session() as session:
        viewer = await viewer_of(session, principal)
        out = await create_dashboard(session, viewer, body)
        await session.commit()
    services.part(DashboardFeed).changed(principal.tenant_id)
    return out


@router.get(
    "/options",
    summary="What the dashboard editor offers: queues, teams, pipelines, metrics, windows",
    description="Also each queue's service-level target and threshold (`service_levels`), "
    "which the wall uses for its default service-level colours and gauge targets.",
)
async def get_options(principal: WallPrincipal, services: ServicesDep) -> WallOptions:
    async with services.db.session() as session:
        rows = await list_queues(session, principal.tenant_id)
        teams = [t.name for t, _ in await list_teams(session, principal.tenant_id)]
        limits = await list_stall_limits(session, principal.tenant_id)
    return WallOptions(
        queues=[q.name for q in rows],
        teams=[t for t in teams if principal.access.can_see_team(t)],
        pipelines=sorted({DEFAULT_PIPELINE, *(limit.pipeline for limit in limits)}),
        metrics=list(METRICS),
        windows=list(METRIC_WINDOWS),
        agent_states=list(AGENT_STATES),
        grid_columns=GRID_COLUMNS,
        service_levels={
            q.name: QueueServiceLevel(target=q.sl_target, threshold_s=q.sl_threshold_s)
            for q in rows
        },
    )


@router.get(
    "/demo-login",
    summary="The demo sign-in the login page offers (only with FLOORWATCH_DEMO=true)",
    description="Public: answers 204 (no body) unless the demo traffic is on outside "
    "production. Not an error status: the sign-in page asks on every load, and browsers report "
    "every 4xx answer as an error in the console.",
    response_model=DemoLogin,
    responses={204: {"description": "the demo is off"}},
)
async def get_demo_login(services: ServicesDep) -> DemoLogin | Response:
    login = demo_login(services)
    if login is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return login


@router.get("/{dashboard_id}", summary="One dashboard", responses=NOT_VISIBLE)
async def get_one(
    dashboard_id: int, principal: WallPrincipal, services: ServicesDep
) -> DashboardOut:
    async with services.db.session() as session:
        return await get_dashboard(session, await viewer_of(session, principal), dashboard_id)


@router.put(
    "/{dashboard_id}",
    summary="Replace a dashboard's name, team and widgets",
    responses={**NOT_EDITABLE, 409: {"description": "changed since `version`, or name taken"}},
)
async def put_dashboard(
    dashboard_id: int, body: DashboardUpdate, principal: ReadPrincipal, services: ServicesDep
) -> DashboardOut:
    async with services.db.session() as session:
        viewer = await viewer_of(session, principal)
        out = await update_dashboard(session, viewer, dashboard_id, body)
        await session.commit()
    services.part(DashboardFeed).changed(principal.tenant_id)
    return out


@router.delete(
    "/{dashboard_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a dashboard and its display links",
    responses=NOT_EDITABLE,
)
async def remove_dashboard(
    dashboard_id: int, principal: ReadPrincipal, services: ServicesDep
) -> Response:
    async with services.db.session() as session:
        viewer = await viewer_of(session, principal)
        await delete_dashboard(session, viewer, dashboard_id)
        await revoke_all_display_links(session, principal.tenant_id, dashboard_id)
        await session.commit()
    services.part(DashboardFeed).changed(principal.tenant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{dashboard_id}/display-links",
    summary="The display links of a dashboard (without their tokens)",
    responses=NOT_EDITABLE,
)
async def get_display_links(
    dashboard_id: int, principal: ReadPrincipal, services: ServicesDep
) -> list[DisplayLinkOut]:
    async with services.db.session() as session:
        await editable(session, await viewer_of(session, principal), dashboard_id)
        return await list_display_links(session, principal.tenant_id, dashboard_id)


@router.post(
    "/{dashboard_id}/display-links",
    status_code=status.HTTP_201_CREATED,
    summary="Create a display link: a read-only token that shows only this dashboard",
    description="The token is returned once. Open `path` on the TV; it needs no login.",
    responses=NOT_EDITABLE,
)
async def post_display_link(
    dashboard_id: int, body: DisplayLinkIn, principal: ReadPrincipal, services: ServicesDep
) -> DisplayLinkCreated:
    async with services.db.session() as session:
        await editable(session, await viewer_of(session, principal), dashboard_id)
        created = await create_display_link(session, principal.tenant_id, dashboard_id, body.name)
        await session.commit()
        return created


@router.delete(
    "/{dashboard_id}/display-links/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a display link",
    responses=NOT_EDITABLE,
)
async def delete_display_link(
    dashboard_id: int, link_id: int, principal: ReadPrincipal, services: ServicesDep
) -> Response:
    async with services.db.session() as session:
        await editable(session, await viewer_of(session, principal), dashboard_id)
        await revoke_display_link(session, principal.tenant_id, dashboard_id, link_id)
        await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@links_router.get(
    "",
    summary="The display links you manage, across dashboards (without their tokens)",
    description="The links of every dashboard you may change: all of the tenant's for admins, "
    "those of your teams' dashboards for team leads. Display users are not in `/v1/users`.",
)
async def get_all_display_links(
    principal: ReadPrincipal, services: ServicesDep
) -> list[DisplayLinkListed]:
    async with services.db.session() as session:
        viewer = await viewer_of(session, principal)
        return await tenant_display_links(
            session, principal.tenant_id, lambda _id, team: viewer.can_edit(team)
        )


@links_router.delete(
    "/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a display link: the TV showing it goes dark at once",
    responses={404: {"description": "no such link, or not of a dashboard you may change"}},
)
async def delete_any_display_link(
    link_id: int, principal: ReadPrincipal, services: ServicesDep
) -> Response:
    async with services.db.session() as session:
        viewer = await viewer_of(session, principal)
        dashboard_id = await display_link_dashboard(session, principal.tenant_id, link_id)
        try:
            await editable(session, viewer, dashboard_id)
        except Forbidden as exc:
            raise NotFound(f"no display link with id {link_id} in this tenant") from exc
        await revoke_display_link(session, principal.tenant_id, dashboard_id, link_id)
        await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
