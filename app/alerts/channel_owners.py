"""Who owns an alert channel, and so who may change it and send a rule's alerts to it.

A channel belongs to the whole tenant (`team` None) or to one team. Tenant-wide channels (the
operations room's chat, the on-call pager) are managed by admins only; a team's channel by
admins and the supervisors and team leads who see that team. A rule may be given only channels
its author may manage: a team lead cannot route its alerts into another team's webhook, nor
read or change that webhook through the rule. Readers see tenant-wide channels and those of
the teams they see.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import AlertChannel
from app.auth.policy import Access
from app.core.errors import BadRequest, Forbidden
from app.tenancy.models import Team


@dataclass(frozen=True, slots=True)
class ChannelUser:
    """The caller as far as channels go: an admin, or what it sees."""

    is_admin: bool
    access: Access

    def may_manage(self, team: str | None) -> bool:
        if self.is_admin:
            return True
        return team is not None and self.access.can_see_team(team)

    def may_read(self, team: str | None) -> bool:
        return self.is_admin or team is None or self.access.can_see_team(team)

    def refuse_managing(self, team: str | None) -> Forbidden:
        if team is None:
            return Forbidden("tenant-wide alert channels are managed by admins only")
        return Forbidden(f"the alert channels of team {team!r} are managed by its leads")


SERVICE = ChannelUser(is_admin=True, access=Access.everything())
"""The service itself (the demo's rules, tooling): manages every channel, as an admin."""


async def channel_teams(
    session: AsyncSession, tenant_id: int, ids: Collection[int] | None = None
) -> dict[int, str | None]:
    """Channel id → owning team name (None: tenant-wide) of the tenant's channels."""
    query = (
        select(AlertChannel.id, Team.name)
        .outerjoin(Team, Team.id == AlertChannel.team_id)
        .where(AlertChannel.tenant_id == tenant_id)
    )
    if ids is not None:
        query = query.where(AlertChannel.id.in_(ids))
    return dict((await session.execute(query)).all())


async def check_rule_channels(
    session: AsyncSession,
    tenant_id: int,
    ids: Collection[int],
    user: ChannelUser,
    kept: Collection[int] = (),
) -> None:
    """Every channel in `ids` exists in the tenant, and those not `kept` from the rule as it
    was are ones `user` may manage (a lead editing a rule an admin gave a tenant-wide
    channel keeps that channel, but cannot add one)."""
    if not ids:
        return
    owners = await channel_teams(session, tenant_id, ids)
    missing = sorted(set(ids) - owners.keys())
    if missing:
        raise BadRequest(
            f"unknown alert channel(s) {missing}: create them under /v1/alert-channels first",
            details=[{"field": "channels", "reason": "unknown channel"}],
        )
    foreign = sorted(i for i in set(ids) - set(kept) if not user.may_manage(owners[i]))
    if foreign:
        raise Forbidden(
            f"you may not send alerts to channel(s) {foreign}: a rule may use tenant-wide "
            "channels only when an admin writes it, and the channels of the teams its author "
            "leads",
            details=[{"field": "channels", "reason": "channel of another owner"}],
        )
