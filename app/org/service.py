"""Tenants and their structure."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import Tenant

DEFAULT_TENANT = "default"


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name)") from exc
    return name


async def get_tenant_by_name(session: AsyncSession, name: str) -> Tenant | None:
    return await session.scalar(select(Tenant).where(Tenant.name == name))


async def create_tenant(session: AsyncSession, name: str, timezone: str = "UTC") -> Tenant:
    if await get_tenant_by_name(session, name) is not None:
        raise ValueError(f"tenant {name!r} exists already")
    tenant = Tenant(name=name, timezone=check_timezone(timezone))
    session.add(tenant)
    await session.flush()
    return tenant


async def ensure_tenant(session: AsyncSession, name: str, timezone: str = "UTC") -> Tenant:
    tenant = await get_tenant_by_name(session, name)
    if tenant is None:
        tenant = await create_tenant(session, name, timezone)
    return tenant
