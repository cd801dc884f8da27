"""Who is calling: API keys (Bearer) resolved to a tenant and scopes."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from app.auth.keys import Scope, find_api_key, hash_key, key_scopes
from app.auth.policy import Access
from app.core.deps import ServicesDep
from app.core.errors import Forbidden, Unauthorized
from app.org.models import Tenant

KEY_CACHE_TTL_S = 10.0


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: its tenant, what it may do (`scopes`) and what it may see (`access`)."""

    tenant_id: int
    tenant_name: str
    scopes: frozenset[Scope]
    key_id: int
    access: Access = field(default_factory=Access.everything)


_key_cache: dict[str, tuple[float, Principal | None]] = {}


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def resolve_api_key(services: ServicesDep, token: str) -> Principal | None:
    """Look the key up (cached for a few seconds, so a revoked key stops working within
    KEY_CACHE_TTL_S); the cache is keyed by the hash, never by the key itself."""
    digest = hash_key(token)
    hit = _key_cache.get(digest)
    now = time.monotonic()
    if hit is not None and now - hit[0] < KEY_CACHE_TTL_S:
        return hit[1]
    async with services.db.session() as session:
        row = await find_api_key(session, token)
        principal = None
        if row is not None:
            tenant = await session.get(Tenant, row.tenant_id)
            if tenant is not None:
                principal = Principal(
                    tenant_id=tenant.id,
                    tenant_name=tenant.name,
                    scopes=key_scopes(row),
                    key_id=row.id,
                )
    if len(_key_cache) > 10_000:
        _key_cache.clear()
    _key_cache[digest] = (now, principal)
    return principal


def require_scope(scope: Scope) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def dependency(request: Request, services: ServicesDep) -> Principal:
        token = bearer_token(request)
        if token is None:
            raise Unauthorized("missing `Authorization: Bearer <api key>` header")
        principal = await resolve_api_key(services, token)
        if principal is None:
            raise Unauthorized("invalid or revoked API key")
        if scope not in principal.scopes:
            raise Forbidden(f"this API key lacks the `{scope}` scope")
        return principal

    return dependency


IngestPrincipal = Annotated[Principal, Depends(require_scope(Scope.ingest))]
ReadPrincipal = Annotated[Principal, Depends(require_scope(Scope.read))]
