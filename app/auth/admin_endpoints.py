"""`/v1/users` and `/v1/api-keys`: admins manage them; supervisors and team leads read the
users they may see (themselves, the members of their teams and those teams' agents)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import select, update

from app.auth.deps import AdminPrincipal, StaffPrincipal
from app.auth.keys import create_api_key, key_scopes
from app.auth.models import ApiKey
from app.auth.passwords import hash_password
from app.auth.principal import Principal
from app.auth.resolver import forget_all
from app.auth.roles import Role
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from app.auth.sessions import end_user_sessions, revoke_user_tokens
from app.auth.users import (
    RoleFields,
    UserView,
    apply_role_fields,
    check_an_admin_remains,
    create_user,
    get_user,
    list_users,
    may_see_user,
    view_of,
    views_of,
)
from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.logging import get_logger
from app.services import Services, ServicesDep
from app.tenancy.models import Tenant

users_router = APIRouter(prefix="/v1/users", tags=["users"])
keys_router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])
log = get_logger(__name__)

NOT_VISIBLE: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such user in this tenant, or not one you may see"}
}


@users_router.get(
    "",
    summary="Users you may see",
    description="Display users (the TVs of display links) are left out unless "
    "`include_displays=true`: they are managed as display links (`/v1/display-links`).",
)
async def get_users(
    principal: StaffPrincipal, services: ServicesDep, include_displays: bool = False
) -> list[UserOut]:
    async with services.db.session() as session:
        users = await list_users(session, principal.tenant_id)
        if not include_displays:
            users = [u for u in users if u.role != Role.display.value]
        views = await views_of(session, users)
    return [UserOut.of(v) for v in views if may_see_user(principal, v)]


@users_router.post("", status_code=status.HTTP_201_CREATED, summary="Create a user (admins)")
async def post_user(body: UserCreate, principal: AdminPrincipal, services: ServicesDep) -> UserOut:
    fields = RoleFields(
        role=body.role,
        all_teams=body.all_teams,
        teams=frozenset(body.teams),
        agent=body.agent,
        dashboard_id=body.dashboard_id,
    )
    fields.check()
    password_hash = await hash_password(body.password)
    async with services.db.session() as session:
        user = await create_user(
            session,
            principal.tenant_id,
            username=body.username,
            password_hash=password_hash,
            fields=fields,
            display_name=body.display_name,
        )
        view = await view_of(session, user)
        await session.commit()
    log.info("user created", user_id=user.id, role=user.role, by=principal.describe())
    return UserOut.of(view)


async def _visible_user(principal: Principal, services: Services, user_id: int) -> UserView:
    async with services.db.session() as session:
        view = await view_of(session, await get_user(session, principal.tenant_id, user_id))
    if not may_see_user(principal, view):
        raise NotFound(f"no user with id {user_id} in this tenant")
    return view


@users_router.get("/{user_id}", summary="One user", responses=NOT_VISIBLE)
async def get_one_user(user_id: int, principal: StaffPrincipal, services: ServicesDep) -> UserOut:
    return UserOut.of(await _visible_user(principal, services, user_id))


def _updated_fields(body: UserUpdate, view: UserView) -> RoleFields:
    """The role fields after the update: those given, else the current ones; when the role
    changes, the fields of the old role that were not given are dropped."""
    given = body.model_fields_set
    role = body.role if body.role is not None else view.role
    keep = role is view.role
    user = view.user

    def pick(name: str, new: object, current: object, empty: object) -> object:
        if name in given:
            return new
        return current if keep else empty

    teams = pick("teams", frozenset(body.teams or ()), frozenset(view.teams), frozenset())
    agent = pick("agent", body.agent, view.agent, None)
    dashboard = pick("dashboard_id", body.dashboard_id, user.dashboard_id, None)
    all_teams = pick("all_teams", bool(body.all_teams), user.all_teams, False)
    assert isinstance(teams, frozenset)
    assert agent is None or isinstance(agent, str)
    assert dashboard is None or isinstance(dashboard, int)
    return RoleFields(
        role=role,
        all_teams=bool(all_teams),
        teams=teams,
        agent=agent,
        dashboard_id=dashboard,
    )


@users_router.patch(
    "/{user_id}",
    summary="Change a user (admins)",
    description="Only the fields given change. A new password or `disabled: true` ends every "
    "session of the user; `disabled: true` also revokes its personal access tokens (enabling "
    "the user again does not bring them back). A change that would leave the tenant without an "
    "enabled admin is refused (409).",
    responses={404: {"description": "no such user in this tenant"}},
)
async def patch_user(
    user_id: int, body: UserUpdate, principal: AdminPrincipal, services: ServicesDep
) -> UserOut:
    password_hash = await hash_password(body.password) if body.password else None
    async with services.db.session() as session:
        user = await get_user(session, principal.tenant_id, user_id)
        was_admin = user.role == Role.admin.value and not user.disabled
        await apply_role_fields(session, user, _updated_fields(body, await view_of(session, user)))
        if body.display_name is not None:
            user.display_name = body.display_name
        end_sessions = False
        if body.disabled is not None:
            end_sessions = body.disabled and not user.disabled
            if end_sessions:
                await revoke_user_tokens(session, user.id, utcnow())
            user.disabled = body.disabled
        if password_hash is not None:
            user.password_hash = password_hash
            user.password_changed_at = utcnow()
            end_sessions = True
        if end_sessions:
            await end_user_sessions(session, user.id)
        if was_admin:
            await check_an_admin_remains(session, principal.tenant_id)
        view = await view_of(session, user)
        await session.commit()
    forget_all()
    log.info(
        "user changed",
        user_id=user_id,
        fields=sorted(body.model_fields_set),
        by=principal.describe(),
    )
    return UserOut.of(view)


@users_router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a user (admins)",
    description="Ends its sessions and revokes its tokens. The last enabled admin cannot be "
    "deleted (409).",
    responses={404: {"description": "no such user in this tenant"}},
)
async def delete_user(user_id: int, principal: AdminPrincipal, services: ServicesDep) -> Response:
    async with services.db.session() as session:
        user = await get_user(session, principal.tenant_id, user_id)
        was_admin = user.role == Role.admin.value and not user.disabled
        await session.delete(user)
        await session.flush()
        if was_admin:
            await check_an_admin_remains(session, principal.tenant_id)
        await session.commit()
    forget_all()
    log.info("user deleted", user_id=user_id, by=principal.describe())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _key_out(row: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=sorted(key_scopes(row)),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


@keys_router.get("", summary="The tenant's API keys (without the secrets; admins)")
async def get_api_keys(principal: AdminPrincipal, services: ServicesDep) -> list[ApiKeyOut]:
    async with services.db.session() as session:
        rows = await session.scalars(
            select(ApiKey).where(ApiKey.tenant_id == principal.tenant_id).order_by(ApiKey.id)
        )
        return [_key_out(row) for row in rows.all()]


@keys_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key (admins; the key is shown once)",
)
async def post_api_key(
    body: ApiKeyCreate, principal: AdminPrincipal, services: ServicesDep
) -> ApiKeyCreated:
    async with services.db.session() as session:
        tenant = await session.get(Tenant, principal.tenant_id)
        assert tenant is not None
        row, key = await create_api_key(session, tenant, body.name, set(body.scopes))
        await session.commit()
        out = _key_out(row)
    log.info("API key created", key_id=row.id, scopes=row.scopes, by=principal.describe())
    return ApiKeyCreated(**out.model_dump(), key=key)


@keys_router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key (admins)",
    description="The key stops working at once in this process and within seconds in others.",
    responses={404: {"description": "no active key with this id in this tenant"}},
)
async def delete_api_key(key_id: int, principal: AdminPrincipal, services: ServicesDep) -> Response:
    async with services.db.session() as session:
        result = await session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                ApiKey.tenant_id == principal.tenant_id,
                ApiKey.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound(f"no active API key with id {key_id} in this tenant")
        await session.commit()
    forget_all()
    log.info("API key revoked", key_id=key_id, by=principal.describe())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
