"""`/v1/auth`: login and logout (session cookie), the current user, password change and
personal access tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response, status

from app.auth.deps import AccountUser, CurrentUser
from app.auth.models import User
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.auth.principal import CredentialKind, Principal
from app.auth.request_limit import enforce_rate_limit
from app.auth.resolver import SESSION_COOKIE, check_csrf, forget, forget_all, resolve
from app.auth.schemas import (
    AccessOut,
    LoginRequest,
    LoginResponse,
    MeResponse,
    PasswordChange,
    SessionState,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserOut,
)
from app.auth.sessions import (
    aware,
    create_session,
    create_user_token,
    csrf_token_for,
    end_session,
    end_user_sessions,
    list_user_tokens,
    purge_expired_sessions,
    revoke_user_token,
)
from app.auth.throttle import LoginThrottle, throttle_key
from app.auth.users import find_login_user, get_user, normalize_username, view_of
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import Unauthorized
from app.core.logging import get_logger
from app.services import Services, ServicesDep

router = APIRouter(prefix="/v1/auth", tags=["auth"])
log = get_logger(__name__)

BAD_LOGIN = "invalid username or password"


def client_address(request: Request) -> str:
    """The peer address. Behind a reverse proxy run uvicorn with `--proxy-headers` and
    `--forwarded-allow-ips` so that this is the client, not the proxy."""
    return request.client.host if request.client else "unknown"


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_age_s,
        path="/",
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=settings.cookie_secure, samesite="lax"
    )


@router.post(
    "/login",
    summary="Log in with a password; sets the session cookie",
    description="Sets the `fw_session` cookie (HttpOnly, SameSite=Lax, Secure unless the "
    "deployment is plain-HTTP development) and returns the user and the CSRF token that "
    "every unsafe request made with the cookie must send as `X-CSRF-Token`. After "
    "`login_max_failures` failed attempts for a username (or `login_ip_max_failures` from "
    "one address) further attempts are refused with 429 and `Retry-After` for a lockout that "
    "doubles with every further failure.",
    responses={
        401: {"description": "wrong username or password (the same answer for both)"},
        429: {"description": "too many attempts; retry after `Retry-After` seconds"},
    },
)
async def login(
    body: LoginRequest, request: Request, response: Response, services: ServicesDep
) -> LoginResponse:
    settings = services.settings
    now = utcnow()
    username = normalize_username(body.username)
    throttle = LoginThrottle(services.db, settings)
    user_key = throttle_key("user", body.tenant, username)
    address_key = throttle_key("address", client_address(request))
    await throttle.begin(user_key, address_key, now)
    async with services.db.session() as session:
        user = await find_login_user(session, body.tenant, username)
        password_hash = user.password_hash if user is not None else None
        valid = await verify_password(password_hash, body.password)
        if user is None or not valid or user.disabled:
            log.info("login refused", tenant=body.tenant, address=client_address(request))
            raise Unauthorized(BAD_LOGIN)
        if needs_rehash(user.password_hash):
            user.password_hash = await hash_password(body.password)
        await purge_expired_sessions(session, now)
        row, token = await create_session(
            session, user, settings, request.headers.get("user-agent"), now
        )
        view = await view_of(session, user)
        await session.commit()
    await throttle.succeeded(user_key, address_key, now)
    set_session_cookie(response, token, settings)
    log.info("login", tenant=body.tenant, user_id=user.id)
    return LoginResponse(
        user=UserOut.of(view), csrf_token=csrf_token_for(token), expires_at=aware(row.expires_at)
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the session of the cookie and clear the cookie",
    description="Needs `X-CSRF-Token` like every cookie-authenticated write. Without a valid "
    "session it only clears the cookie. Bearer tokens are not affected (revoke them under "
    "/v1/auth/tokens).",
)
async def logout(request: Request, services: ServicesDep) -> Response:
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and request.headers.get("authorization") is None:
        resolved = await resolve(request, services)
        if resolved is not None and resolved.principal.session_id is not None:
            check_csrf(request, request.method, resolved)
            async with services.db.session() as session:
                await end_session(session, resolved.principal.session_id)
                await session.commit()
            forget(cookie)
    clear_session_cookie(response, services.settings)
    return response


def _access_out(principal: Principal) -> AccessOut:
    access = principal.access
    return AccessOut(
        all_teams=access.all_teams and access.only_agent is None,
        teams=sorted(access.teams),
        only_agent=access.only_agent,
    )


@router.get("/me", summary="The logged-in user, what it may see, and its CSRF token")
async def me(principal: CurrentUser, request: Request, services: ServicesDep) -> MeResponse:
    csrf = None
    if principal.kind is CredentialKind.session:
        resolved = await resolve(request, services)
        csrf = resolved.csrf_token if resolved else None
    return await _me(principal, csrf, services)


@router.get(
    "/session",
    summary="Whether the request is signed in, and as whom",
    description="Public: always 200, with `me` as `GET /v1/auth/me` would answer it, or null "
    "when nobody is signed in. The browser app asks this when it opens, so that the sign-in "
    "page causes no failed request (a 401 that browsers report as an error).",
)
async def session_state(request: Request, services: ServicesDep) -> SessionState:
    resolved = await resolve(request, services)
    if resolved is None or not resolved.principal.is_user:
        return SessionState(me=None)
    await enforce_rate_limit(services.limiter, services.settings, resolved.principal)
    return SessionState(me=await _me(resolved.principal, resolved.csrf_token, services))


async def _me(principal: Principal, csrf: str | None, services: Services) -> MeResponse:
    assert principal.user_id is not None
    async with services.db.session() as session:
        view = await view_of(
            session, await get_user(session, principal.tenant_id, principal.user_id)
        )
    return MeResponse(
        user=UserOut.of(view),
        tenant=principal.tenant_name,
        scopes=sorted(principal.scopes),
        access=_access_out(principal),
        auth=principal.kind,
        csrf_token=csrf,
    )


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the own password; ends every other session",
    description="Needs the current password (wrong guesses count towards the login lockout). "
    "Every session of the user except the current one ends; personal tokens stay valid.",
    responses={
        401: {"description": "the current password is wrong"},
        429: {"description": "too many wrong attempts; retry after `Retry-After` seconds"},
    },
)
async def change_password(
    body: PasswordChange, principal: AccountUser, request: Request, services: ServicesDep
) -> Response:
    assert principal.user_id is not None
    now = utcnow()
    throttle = LoginThrottle(services.db, services.settings)
    user_key = throttle_key("user", principal.tenant_name, principal.username or "")
    address_key = throttle_key("address", client_address(request))
    await throttle.begin(user_key, address_key, now)
    async with services.db.session() as session:
        user = await get_user(session, principal.tenant_id, principal.user_id)
        if not await verify_password(user.password_hash, body.current_password):
            raise Unauthorized("the current password is wrong")
        user.password_hash = await hash_password(body.new_password)
        user.password_changed_at = now
        ended = await end_user_sessions(session, user.id, keep_session_id=principal.session_id)
        await session.commit()
    await throttle.succeeded(user_key, address_key, now)
    forget_all()
    log.info("password changed", user_id=principal.user_id, sessions_ended=ended)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _token_out(row: object) -> TokenOut:
    return TokenOut.model_validate(row, from_attributes=True)


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Create a personal access token (shown once)",
    description="A bearer token for scripts, with the same rights as the user. Only its hash "
    "is stored: the answer is the only time the token is shown.",
)
async def create_token(
    body: TokenCreate, principal: AccountUser, services: ServicesDep
) -> TokenCreated:
    assert principal.user_id is not None
    expires: datetime | None = None
    if body.expires_in_days is not None:
        expires = utcnow() + timedelta(days=body.expires_in_days)
    async with services.db.session() as session:
        user = await session.get(User, principal.user_id)
        assert user is not None
        row, token = await create_user_token(session, user, body.name, expires)
        await session.commit()
        out = _token_out(row)
    log.info("personal token created", user_id=principal.user_id, token_id=row.id)
    return TokenCreated(**out.model_dump(), token=token)


@router.get("/tokens", summary="The own active personal access tokens (without the secrets)")
async def list_tokens(principal: AccountUser, services: ServicesDep) -> list[TokenOut]:
    assert principal.user_id is not None
    async with services.db.session() as session:
        return [_token_out(row) for row in await list_user_tokens(session, principal.user_id)]


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an own personal access token",
    responses={404: {"description": "no active token of yours with this id"}},
)
async def delete_token(token_id: int, principal: AccountUser, services: ServicesDep) -> Response:
    assert principal.user_id is not None
    async with services.db.session() as session:
        await revoke_user_token(session, principal.user_id, token_id, utcnow())
        await session.commit()
    forget_all()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
