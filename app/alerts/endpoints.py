"""`/v1/alert-rules`, `/v1/alert-channels` and `/v1/alerts` (docs/alerts.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.alerts import channel_service, rule_service, service
from app.alerts.channel_owners import ChannelUser
from app.alerts.models import OPEN_STATES
from app.alerts.runtime import AlertRuntime
from app.alerts.schemas import (
    AcknowledgeIn,
    AlertDetail,
    AlertEventOut,
    AlertOut,
    AlertState,
    ChannelIn,
    ChannelOut,
    ChannelPatch,
    DeliveryOut,
    RuleIn,
    RuleOut,
    RulePatch,
    SilenceIn,
    datetime_to_ms,
)
from app.alerts.segments import add_texts
from app.auth.deps import ReadPrincipal, StaffPrincipal
from app.auth.principal import Principal
from app.services import Services, ServicesDep

router = APIRouter(prefix="/v1", tags=["alerts"])

Reader = ReadPrincipal
"""Reading rules, channels, alerts and history: every caller, within what it may see."""
Manager = StaffPrincipal
"""Changing rules and channels, acknowledging and silencing: admins, supervisors, team leads
(each within the teams it may see)."""

Limit = Annotated[int, Query(ge=1, le=1000)]


def actor_of(principal: Principal) -> str:
    """Who did it, as recorded in the history."""
    return principal.describe()


def channel_user(principal: Principal) -> ChannelUser:
    return ChannelUser(is_admin=principal.is_admin, access=principal.access)


async def team_of_agent(services: Services, tenant_id: int) -> dict[str, str]:
    return (await services.configs.get(tenant_id)).agent_teams


# -- channels ---------------------------------------------------------------------------------


@router.get("/alert-channels", summary="Notification channels (without secrets)")
async def list_channels(principal: Reader, services: ServicesDep) -> list[ChannelOut]:
    async with services.db.session() as session:
        return await channel_service.list_channels(
            session, principal.tenant_id, services.box, channel_user(principal)
        )


@router.post(
    "/alert-channels",
    status_code=201,
    summary="Create a notification channel",
    description="Tenant-wide channels (`team` null) are created by admins only; a team's "
    "channel by admins and the supervisors and team leads who see that team.",
    responses={403: {"description": "you may not manage channels of that owner"}},
)
async def create_channel(body: ChannelIn, principal: Manager, services: ServicesDep) -> ChannelOut:
    async with services.db.session() as session:
        out = await channel_service.create_channel(
            session,
            principal.tenant_id,
            body,
            services.part(AlertRuntime).channel_policy,
            channel_user(principal),
        )
        await session.commit()
    return out


@router.get("/alert-channels/{channel_id}", summary="One notification channel")
async def get_channel(channel_id: int, principal: Reader, services: ServicesDep) -> ChannelOut:
    async with services.db.session() as session:
        row, team = await channel_service.get_channel(
            session, principal.tenant_id, channel_id, channel_user(principal)
        )
        return channel_service.channel_out(row, services.box, team)


@router.patch(
    "/alert-channels/{channel_id}",
    summary="Change a channel; secrets not sent are kept",
)
async def update_channel(
    channel_id: int, body: ChannelPatch, principal: Manager, services: ServicesDep
) -> ChannelOut:
    async with services.db.session() as session:
        out = await channel_service.update_channel(
            session,
            principal.tenant_id,
            channel_id,
            body,
            services.part(AlertRuntime).channel_policy,
            channel_user(principal),
        )
        await session.commit()
    return out


@router.delete("/alert-channels/{channel_id}", status_code=204, summary="Delete a channel")
async def delete_channel(channel_id: int, principal: Manager, services: ServicesDep) -> Response:
    async with services.db.session() as session:
        await channel_service.delete_channel(
            session, principal.tenant_id, channel_id, channel_user(principal)
        )
        await session.commit()
    services.part(AlertRuntime).evaluator.invalidate(principal.tenant_id)
    return Response(status_code=204)


# -- rules ------------------------------------------------------------------------------------


@router.get("/alert-rules", summary="The alert rules you may see")
async def list_rules(principal: Reader, services: ServicesDep) -> list[RuleOut]:
    teams = await team_of_agent(services, principal.tenant_id)
    async with services.db.session() as session:
        return await rule_service.list_rules(session, principal.tenant_id, principal.access, teams)


@router.post("/alert-rules", status_code=201, summary="Create an alert rule")
async def create_rule(body: RuleIn, principal: Manager, services: ServicesDep) -> RuleOut:
    teams = await team_of_agent(services, principal.tenant_id)
    async with services.db.session() as session:
        out = await rule_service.create_rule(
            session, principal.tenant_id, body, principal.access, teams, channel_user(principal)
        )
        await session.commit()
    services.part(AlertRuntime).evaluator.invalidate(principal.tenant_id)
    return out


@router.get("/alert-rules/{rule_id}", summary="One alert rule")
async def get_rule(rule_id: int, principal: Reader, services: ServicesDep) -> RuleOut:
    teams = await team_of_agent(services, principal.tenant_id)
    async with services.db.session() as session:
        row = await rule_service.get_rule(
            session, principal.tenant_id, rule_id, principal.access, teams
        )
        return await rule_service.rule_with_channels(session, row)


async def _after_rule_change(services: Services, tenant_id: int, closed: bool) -> None:
    if closed:  # this process's evaluator reloads the open alerts (others lose their next write)
        services.part(AlertRuntime).evaluator.forget(tenant_id)
        await services.part(AlertRuntime).feed.changed(tenant_id)
    else:
        services.part(AlertRuntime).evaluator.invalidate(tenant_id)


@router.put(
    "/alert-rules/{rule_id}",
    summary="Replace an alert rule (disabling it, or changing what it measures, ends its open "
    "alerts)",
)
async def replace_rule(
    rule_id: int, body: RuleIn, principal: Manager, services: ServicesDep
) -> RuleOut:
    teams = await team_of_agent(services, principal.tenant_id)
    async with services.db.session() as session:
        out, closed = await rule_service.replace_rule(
            session,
            principal.tenant_id,
            rule_id,
            body,
            principal.access,
            teams,
            actor_of(principal),
            channel_user(principal),
        )
        await session.commit()
    await _after_rule_change(services, principal.tenant_id, closed)
    return out


@router.patch("/alert-rules/{rule_id}", summary="Change some fields of an alert rule")
async def patch_rule(
    rule_id: int, body: RulePatch, principal: Manager, services: ServicesDep
) -> RuleOut:
    teams = await team_of_agent(services, principal.tenant_id)
    async with services.db.session() as session:
        out, closed = await rule_service.patch_rule(
            session,
            principal.tenant_id,
            rule_id,
            body,
            principal.access,
            teams,
            actor_of(principal),
            channel_user(principal),
        )
        await session.commit()
    await _after_rule_change(services, principal.tenant_id, closed)
    return out


@router.delete(
    "/alert-rules/{rule_id}",
    status_code=204,
    summary="Delete an alert rule (its open alerts end; history stays)",
)
async def delete_rule(rule_id: int, principal: Manager, services: ServicesDep) -> Response:
    teams = await team_of_agent(services, principal.tenant_id)
    async with services.db.session() as session:
        closed = await rule_service.delete_rule(
            session, principal.tenant_id, rule_id, principal.access, teams, actor_of(principal)
        )
        await session.commit()
    await _after_rule_change(services, principal.tenant_id, closed)
    return Response(status_code=204)


# -- alerts -----------------------------------------------------------------------------------


@router.get(
    "/alerts",
    summary="Alerts (default: the open ones, pending and firing)",
    description="Newest first. `state` is repeatable. A `banned_phrase` alert carries "
    "`phrase` (call, agent, queue, list, phrase, role) and, for admins, supervisors and the "
    "leads of the agent's team only, `phrase.text`: the segment, while the tenant keeps it.",
)
async def list_alerts(
    principal: Reader,
    services: ServicesDep,
    state: Annotated[list[AlertState] | None, Query()] = None,
    severity: str | None = None,
    rule_id: int | None = None,
    scope: str | None = None,
    team: str | None = None,
    limit: Limit = 100,
) -> list[AlertOut]:
    async with services.db.session() as session:
        alerts = await service.list_alerts(
            session,
            principal.tenant_id,
            principal.access,
            states=state or list(OPEN_STATES),
            severity=severity,
            rule_id=rule_id,
            scope=scope,
            team=team,
            limit=limit,
        )
        return await add_texts(session, alerts, principal)


@router.get(
    "/alerts/history",
    summary="Alert history: transitions, acknowledgements and silences, newest first",
    description="Page with `before_id` (the smallest `id` of the previous page).",
)
async def get_history(
    principal: Reader,
    services: ServicesDep,
    rule_id: int | None = None,
    fingerprint: str | None = None,
    scope: str | None = None,
    team: str | None = None,
    kind: str | None = None,
    to_state: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: Limit = 100,
) -> list[AlertEventOut]:
    async with services.db.session() as session:
        return await service.history(
            session,
            principal.tenant_id,
            principal.access,
            rule_id=rule_id,
            fingerprint=fingerprint,
            scope=scope,
            team=team,
            kind=kind,
            to_state=to_state,
            since_ms=datetime_to_ms(since) if since else None,
            until_ms=datetime_to_ms(until) if until else None,
            before_id=before_id,
            limit=limit,
        )


@router.get("/alerts/deliveries", summary="Notification deliveries, newest first")
async def list_deliveries(
    principal: Reader,
    services: ServicesDep,
    status: str | None = None,
    channel_id: int | None = None,
    alert_id: int | None = None,
    limit: Limit = 100,
) -> list[DeliveryOut]:
    async with services.db.session() as session:
        return await service.list_deliveries(
            session,
            principal.tenant_id,
            principal.access,
            status=status,
            channel_id=channel_id,
            alert_id=alert_id,
            limit=limit,
        )


@router.get("/alerts/{alert_id}", summary="One alert with its history and deliveries")
async def get_alert(alert_id: int, principal: Reader, services: ServicesDep) -> AlertDetail:
    async with services.db.session() as session:
        detail = await service.alert_detail(
            session, principal.tenant_id, alert_id, principal.access
        )
        return (await add_texts(session, [detail], principal))[0]


@router.post(
    "/alerts/{alert_id}/acknowledge",
    summary="Acknowledge an open alert: no more reminders for this episode",
)
async def acknowledge(
    alert_id: int, principal: Manager, services: ServicesDep, body: AcknowledgeIn | None = None
) -> AlertOut:
    async with services.db.session() as session:
        out = await service.acknowledge(
            session,
            principal.tenant_id,
            alert_id,
            principal.access,
            actor_of(principal),
            body.note if body else None,
        )
        await session.commit()
    services.part(AlertRuntime).evaluator.invalidate(principal.tenant_id)
    await services.part(AlertRuntime).feed.changed(principal.tenant_id)
    return out


@router.post(
    "/alerts/{alert_id}/silence",
    summary="No notifications for this rule instance until a time (every episode)",
)
async def silence(
    alert_id: int, body: SilenceIn, principal: Manager, services: ServicesDep
) -> AlertOut:
    async with services.db.session() as session:
        out = await service.silence(
            session,
            principal.tenant_id,
            alert_id,
            principal.access,
            actor_of(principal),
            body.until,
            body.note,
        )
        await session.commit()
    services.part(AlertRuntime).evaluator.invalidate(principal.tenant_id)
    await services.part(AlertRuntime).feed.changed(principal.tenant_id)
    return out


@router.delete("/alerts/{alert_id}/silence", summary="Lift the silence of this rule instance")
async def unsilence(alert_id: int, principal: Manager, services: ServicesDep) -> AlertOut:
    async with services.db.session() as session:
        out = await service.unsilence(
            session, principal.tenant_id, alert_id, principal.access, actor_of(principal)
        )
        await session.commit()
    services.part(AlertRuntime).evaluator.invalidate(principal.tenant_id)
    await services.part(AlertRuntime).feed.changed(principal.tenant_id)
    return out
