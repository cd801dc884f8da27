"""Display links: a read-only credential bound to one dashboard, for a TV nobody logs in to.

A link is a `display` user (role of app.auth.roles) bound to the dashboard, holding one
personal access token (`fwu_…`). Its password is random and never shown, so the token is
the only way in; it reads what a display may read (the tenant and queue figures), and among
dashboards only its own. Revoking a link deletes that user, which ends its token at once in
this process and within the credential cache TTL in the others.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User, UserToken
from app.auth.passwords import hash_password
from app.auth.resolver import forget_all
from app.auth.roles import Role
from app.auth.sessions import aware, create_user_token
from app.auth.users import RoleFields, create_user
from app.core.errors import NotFound
from app.dashboards.schemas import DisplayLinkCreated, DisplayLinkListed, DisplayLinkOut
from app.tenancy.models import Dashboard, Team

DISPLAY_PATH = "/display"


def link_path(token: str) -> str:
    """The path a TV opens; the token travels in the fragment, never to the server."""
    return f"{DISPLAY_PATH}#token={token}"


async def create_display_link(
    session: AsyncSession, tenant_id: int, dashboard_id: int, name: str
) -> DisplayLinkCreated:
    user = await create_user(
        session,
        tenant_id,
        username=f"display-{dashboard_id}-{secrets.token_hex(4)}",
        password_hash=await hash_password(secrets.token_urlsafe(32)),
        fields=RoleFields(role=Role.display, dashboard_id=dashboard_id),
        display_name=name,
    )
    _, token = await create_user_token(session, user, name, expires_at=None)
    return DisplayLinkCreated(
        id=user.id,
        name=name,
        created_at=aware(user.created_at),
        last_used_at=None,
        token=token,
        path=link_path(token),
    )


async def _display_users(session: AsyncSession, tenant_id: int, dashboard_id: int) -> list[User]:
    rows = await session.scalars(
        select(User)
        .where(
            User.tenant_id == tenant_id,
            User.role == Role.display.value,
            User.dashboard_id == dashboard_id,
        )
        .order_by(User.id)
    )
    return list(rows.all())


async def _last_used(session: AsyncSession, users: list[User]) -> dict[int, datetime | None]:
    """When each display's token was last used (None: never)."""
    if not users:
        return {}
    tokens = await session.scalars(
        select(UserToken).where(
            UserToken.user_id.in_([u.id for u in users]), UserToken.revoked_at.is_(None)
        )
    )
    by_user = {t.user_id: t.last_used_at for t in tokens.all()}
    return {u.id: aware(used) if (used := by_user.get(u.id)) is not None else None for u in users}


async def list_display_links(
    session: AsyncSession, tenant_id: int, dashboard_id: int
) -> list[DisplayLinkOut]:
    users = await _display_users(session, tenant_id, dashboard_id)
    used = await _last_used(session, users)
    return [
        DisplayLinkOut(
            id=user.id,
            name=user.display_name,
            created_at=aware(user.created_at),
            last_used_at=used[user.id],
        )
        for user in users
    ]


async def tenant_display_links(
    session: AsyncSession, tenant_id: int, manages: Callable[[int, str | None], bool]
) -> list[DisplayLinkListed]:
    """Every display link of the tenant whose dashboard `manages(dashboard id, team)`, by
    dashboard then creation."""
    rows = (
        await session.execute(
            select(User, Dashboard.id, Dashboard.name, Team.name)
            .join(Dashboard, Dashboard.id == User.dashboard_id)
            .outerjoin(Team, Team.id == Dashboard.team_id)
            .where(User.tenant_id == tenant_id, User.role == Role.display.value)
            .order_by(Dashboard.name, User.id)
        )
    ).all()
    mine = [(user, id_, name) for user, id_, name, team in rows if manages(id_, team)]
    used = await _last_used(session, [user for user, _, _ in mine])
    return [
        DisplayLinkListed(
            id=user.id,
            name=user.display_name,
            created_at=aware(user.created_at),
            last_used_at=used[user.id],
            dashboard_id=id_,
            dashboard=name,
        )
        for user, id_, name in mine
    ]


async def display_link_dashboard(session: AsyncSession, tenant_id: int, link_id: int) -> int:
    """The dashboard a display link is bound to (404 if there is no such link)."""
    found = await session.scalar(
        select(User.dashboard_id).where(
            User.id == link_id,
            User.tenant_id == tenant_id,
            User.role == Role.display.value,
            User.dashboard_id.is_not(None),
        )
    )
    if found is None:
        raise NotFound(f"no display link with id {link_id} in this tenant")
    return found


async def revoke_display_link(
    session: AsyncSession, tenant_id: int, dashboard_id: int, link_id: int
) -> None:
    for user in await _display_users(session, tenant_id, dashboard_id):
        if user.id == link_id:
            await session.delete(user)
            await session.flush()
            forget_all()
            return
    raise NotFound(f"dashboard {dashboard_id} has no display link {link_id}")


async def revoke_all_display_links(session: AsyncSession, tenant_id: int, dashboard_id: int) -> int:
    """When the dashboard goes, so do its displays."""
    users = await _display_users(session, tenant_id, dashboard_id)
    for user in users:
        await session.delete(user)
    await session.flush()
    if users:
        forget_all()
    return len(users)
