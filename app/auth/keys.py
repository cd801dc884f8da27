"""API keys: `fw_` + 40 url-safe random characters. Stored as SHA-256 (the keys are
high-entropy random tokens, so a fast hash is the right tool; passwords use argon2)."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey
from app.tenancy.models import Tenant

KEY_PREFIX = "fw_"


class Scope(StrEnum):
    """What a caller may do: `ingest` events, `read` metrics and the organisation, `admin`
    (manage users, teams, agents, queues and API keys)."""

    ingest = "ingest"
    read = "read"
    admin = "admin"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(30)


async def create_api_key(
    session: AsyncSession, tenant: Tenant, name: str, scopes: set[Scope]
) -> tuple[ApiKey, str]:
    """Create a key for the tenant; returns the row and the plain key (shown once)."""
    if not scopes:
        raise ValueError("an API key needs at least one scope (`ingest`, `read`, `admin`)")
    key = new_key()
    row = ApiKey(
        tenant_id=tenant.id,
        name=name,
        prefix=key[:10],
        key_hash=hash_key(key),
        scopes=",".join(sorted(scopes)),
    )
    session.add(row)
    await session.flush()
    return row, key


async def find_api_key(session: AsyncSession, key: str) -> ApiKey | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    return await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    )


def key_scopes(row: ApiKey) -> frozenset[Scope]:
    return frozenset(Scope(s) for s in row.scopes.split(",") if s)
