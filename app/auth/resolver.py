"""One resolver for every credential: API keys (`Bearer fw_…`), personal access tokens
(`Bearer fwu_…`) and the session cookie (`fw_session`). It works on any HTTP connection, so
REST routes and the WebSocket handshake authenticate the same way.

Resolutions are cached for CACHE_TTL_S, keyed by the SHA-256 of the credential (never the
credential itself). This process forgets a credential at once when it is revoked here
(`forget`, `forget_all`); other processes notice within CACHE_TTL_S.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from app.auth.keys import KEY_PREFIX, find_api_key, hash_key, key_scopes
from app.auth.principal import CredentialKind, Principal
from app.auth.sessions import (
    SESSION_TOKEN_PREFIX,
    USER_TOKEN_PREFIX,
    aware,
    csrf_token_for,
    find_session,
    find_user_token,
)
from app.auth.users import principal_for, tenant_name_of, view_of
from app.core.db import utcnow
from app.core.errors import Forbidden
from app.services import Services
from app.tenancy.models import Tenant

SESSION_COOKIE = "fw_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CACHE_TTL_S = 5.0
CACHE_MAX_ENTRIES = 10_000


class CsrfFailed(Forbidden):
    code = "csrf_failed"


@dataclass(frozen=True, slots=True)
class Resolved:
    """A principal, and the CSRF token its unsafe requests must carry (cookie logins only)."""

    principal: Principal
    csrf_token: str | None = None
    expires_at: float | None = None
    """Epoch seconds after which the credential is dead even if still cached."""


_cache: dict[str, tuple[float, Resolved | None]] = {}


def forget(credential: str) -> None:
    _cache.pop(hash_key(credential), None)


def forget_all() -> None:
    """After a change that alters what users may do (role, teams, password, disable, revoke)."""
    _cache.clear()


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def session_cookie(conn: HTTPConnection) -> str | None:
    return conn.cookies.get(SESSION_COOKIE) or None


async def _api_key(services: Services, token: str) -> Resolved | None:
    async with services.db.session() as session:
        row = await find_api_key(session, token)
        if row is None:
            return None
        tenant = await session.get(Tenant, row.tenant_id)
        if tenant is None:
            return None
        return Resolved(
            Principal(
                tenant_id=tenant.id,
                tenant_name=tenant.name,
                scopes=key_scopes(row),
                key_id=row.id,
                kind=CredentialKind.api_key,
            )
        )


async def _user_token(services: Services, token: str) -> Resolved | None:
    async with services.db.session() as session:
        found = await find_user_token(session, token, utcnow())
        if found is None:
            return None
        view = await view_of(session, found.user)
        principal = principal_for(
            view,
            await tenant_name_of(session, found.user.tenant_id),
            CredentialKind.user_token,
            token_id=found.row.id,
        )
        expires = found.row.expires_at
        return Resolved(principal, expires_at=aware(expires).timestamp() if expires else None)


async def _session(services: Services, token: str) -> Resolved | None:
    async with services.db.session() as session:
        found = await find_session(session, token, services.settings, utcnow())
        if found is None:
            return None
        view = await view_of(session, found.user)
        principal = principal_for(
            view,
            await tenant_name_of(session, found.user.tenant_id),
            CredentialKind.session,
            session_id=found.row.id,
        )
        return Resolved(
            principal,
            csrf_token=csrf_token_for(token),
            expires_at=aware(found.row.expires_at).timestamp(),
        )


async def resolve_credential(services: Services, credential: str) -> Resolved | None:
    """The principal of a bearer token or cookie value, or None if it is not valid."""
    if credential.startswith(USER_TOKEN_PREFIX):
        lookup = _user_token
    elif credential.startswith(SESSION_TOKEN_PREFIX):
        lookup = _session
    elif credential.startswith(KEY_PREFIX):
        lookup = _api_key
    else:
        return None
    digest = hash_key(credential)
    now = time.monotonic()
    hit = _cache.get(digest)
    if hit is not None and now - hit[0] < CACHE_TTL_S:
        resolved = hit[1]
        if resolved is None or resolved.expires_at is None or resolved.expires_at > time.time():
            return resolved
    resolved = await lookup(services, credential)
    if len(_cache) >= CACHE_MAX_ENTRIES:
        _cache.clear()
    _cache[digest] = (now, resolved)
    return resolved


def credential_of(conn: HTTPConnection) -> str | None:
    """The credential a request or WebSocket handshake carries: the bearer token, else the
    session cookie's value. Pass it to `resolve_credential` (and again later to re-check a
    long-lived connection: a logout, password change or revocation makes it resolve to None)."""
    return bearer_token(conn) or session_cookie(conn)


async def resolve(conn: HTTPConnection, services: Services) -> Resolved | None:
    """The caller of a request or WebSocket handshake; None if it sent no valid credential.

    An `Authorization: Bearer` header wins over the cookie (and a bad one is not rescued by
    a cookie). A session cookie is only accepted as `fw_session`; API keys and personal
    tokens only as bearer tokens."""
    token = bearer_token(conn)
    if token is not None:
        if token.startswith(SESSION_TOKEN_PREFIX):
            return None
        return await resolve_credential(services, token)
    cookie = session_cookie(conn)
    if cookie is None or not cookie.startswith(SESSION_TOKEN_PREFIX):
        return None
    return await resolve_credential(services, cookie)


def check_csrf(conn: HTTPConnection, method: str, resolved: Resolved) -> None:
    """Cookie-authenticated unsafe requests must echo the session's CSRF token in the
    `X-CSRF-Token` header. A cross-site page can make the browser send the cookie, but it
    can neither read the token nor set the header."""
    if resolved.csrf_token is None or method.upper() in SAFE_METHODS:
        return
    sent = conn.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), resolved.csrf_token.encode()):
        raise CsrfFailed(
            f"a request authenticated by the session cookie must send the `{CSRF_HEADER}` "
            "header with the `csrf_token` of the login (also in GET /v1/auth/me)"
        )
