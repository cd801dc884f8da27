"""Who is calling: FastAPI dependencies over the one resolver (app.auth.resolver).

`require_scope(scope)` accepts API keys, personal access tokens and the session cookie, and
enforces CSRF for cookie-authenticated unsafe requests. Ingestion stays with API keys because
users never hold the `ingest` scope.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from app.auth.keys import Scope
from app.auth.principal import CredentialKind, Principal
from app.auth.request_limit import enforce_rate_limit
from app.auth.resolver import (
    CACHE_TTL_S,
    Resolved,
    bearer_token,
    check_csrf,
    resolve,
    resolve_credential,
)
from app.auth.roles import STAFF_ROLES
from app.core.errors import Forbidden, Unauthorized
from app.services import Services, ServicesDep

__all__ = [
    "KEY_CACHE_TTL_S",
    "AccountUser",
    "AdminPrincipal",
    "CredentialKind",
    "CurrentUser",
    "IngestPrincipal",
    "Principal",
    "ReadPrincipal",
    "StaffPrincipal",
    "WallPrincipal",
    "authenticate",
    "bearer_token",
    "require_scope",
    "resolve_api_key",
]

KEY_CACHE_TTL_S = CACHE_TTL_S


async def resolve_api_key(services: Services, token: str) -> Principal | None:
    """The principal of any credential value: an API key (`fw_`), a personal token (`fwu_`)
    or a session cookie's value (`fws_`); None if unknown, expired or revoked. Cached for
    CACHE_TTL_S (the WebSocket hub calls it again to re-check open connections). The old
    name is kept: callers that only knew API keys now accept every credential."""
    resolved = await resolve_credential(services, token)
    return resolved.principal if resolved is not None else None


async def authenticate(request: Request, services: ServicesDep) -> Resolved:
    """The caller, with CSRF checked and the request counted against its rate limit; 401
    without a valid credential, 429 past the limit."""
    resolved = await resolve(request, services)
    if resolved is None:
        if bearer_token(request) is not None:
            raise Unauthorized("invalid, expired or revoked bearer token")
        if request.cookies.get("fw_session"):
            raise Unauthorized("the session has ended; log in again")
        raise Unauthorized(
            "missing credentials: send `Authorization: Bearer <API key or personal token>` "
            "or log in (POST /v1/auth/login) for a session cookie"
        )
    check_csrf(request, request.method, resolved)
    await enforce_rate_limit(services.limiter, services.settings, resolved.principal)
    return resolved


AuthenticatedDep = Annotated[Resolved, Depends(authenticate)]


def _lacks(principal: Principal, scope: Scope) -> Forbidden:
    if principal.is_display:
        return Forbidden(
            f"{principal.describe()} may read only its dashboard and the live topics its "
            "widgets show"
        )
    if principal.is_user:
        if scope is Scope.ingest:
            return Forbidden("ingestion needs an API key with the `ingest` scope, not a user")
        return Forbidden(f"{principal.describe()} may not do this: it needs the `{scope}` scope")
    return Forbidden(f"this API key lacks the `{scope}` scope")


def require_scope(scope: Scope) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def dependency(resolved: AuthenticatedDep) -> Principal:
        if scope not in resolved.principal.scopes:
            raise _lacks(resolved.principal, scope)
        return resolved.principal

    return dependency


async def require_user(resolved: AuthenticatedDep) -> Principal:
    """A logged-in user (session cookie or personal token), not an API key."""
    if not resolved.principal.is_user:
        raise Forbidden("this route is for users (log in, or use a personal `fwu_` token)")
    return resolved.principal


async def require_wall_reader(resolved: AuthenticatedDep) -> Principal:
    """Readers and displays: the routes a wall display needs (its dashboard, the options of
    the widgets)."""
    if not resolved.principal.reads_wall:
        raise _lacks(resolved.principal, Scope.read)
    return resolved.principal


async def require_account_user(resolved: AuthenticatedDep) -> Principal:
    """A user managing its own credentials (password, personal tokens): not an API key, and
    not a display, whose one token is its display link."""
    principal = await require_user(resolved)
    if principal.is_display:
        raise Forbidden(
            f"{principal.describe()} may not change its password or mint tokens: a display "
            "holds only its display link"
        )
    return principal


async def require_staff(resolved: AuthenticatedDep) -> Principal:
    """Admins (users or API keys with the `admin` scope), supervisors and team leads."""
    principal = resolved.principal
    if principal.is_admin or principal.role in STAFF_ROLES:
        return principal
    raise Forbidden(
        f"{principal.describe()} may not do this: it is for admins, supervisors and team leads"
    )


IngestPrincipal = Annotated[Principal, Depends(require_scope(Scope.ingest))]
ReadPrincipal = Annotated[Principal, Depends(require_scope(Scope.read))]
AdminPrincipal = Annotated[Principal, Depends(require_scope(Scope.admin))]
StaffPrincipal = Annotated[Principal, Depends(require_staff)]
CurrentUser = Annotated[Principal, Depends(require_user)]
AccountUser = Annotated[Principal, Depends(require_account_user)]
WallPrincipal = Annotated[Principal, Depends(require_wall_reader)]
