"""The demo sign-in for `make run`: with FLOORWATCH_DEMO=true (and only outside production) the
tenant `default` gets an admin `demo` whose password the login page shows, so the populated
wall is one click away on a fresh machine. Nothing is created when the demo is off."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel
from sqlalchemy import select

from app.auth.models import User
from app.auth.passwords import hash_password
from app.auth.roles import Role
from app.auth.users import RoleFields, create_user
from app.core.logging import get_logger
from app.org.service import DEFAULT_TENANT, ensure_tenant
from app.services import Services

log = get_logger(__name__)

DEMO_USERNAME: Final = "demo"
DEMO_PASSWORD: Final = "floorwatch-demo"


class DemoLogin(BaseModel):
    tenant: str
    username: str
    password: str


def demo_login(services: Services) -> DemoLogin | None:
    """The credentials the login page offers, when the demo is on."""
    if not demo_allowed(services):
        return None
    return DemoLogin(tenant=DEFAULT_TENANT, username=DEMO_USERNAME, password=DEMO_PASSWORD)


def demo_allowed(services: Services) -> bool:
    settings = services.settings
    return settings.demo and settings.environment != "production"


async def ensure_demo_user(services: Services) -> None:
    """Create the demo admin unless it exists (its password is then left as it is)."""
    if not demo_allowed(services):
        if services.settings.demo:
            log.warning("demo sign-in not created: FLOORWATCH_ENVIRONMENT is production")
        return
    async with services.db.session() as session:
        tenant = await ensure_tenant(session, DEFAULT_TENANT)
        exists = await session.scalar(
            select(User.id).where(User.tenant_id == tenant.id, User.username == DEMO_USERNAME)
        )
        if exists is None:
            await create_user(
                session,
                tenant.id,
                username=DEMO_USERNAME,
                password_hash=await hash_password(DEMO_PASSWORD),
                fields=RoleFields(role=Role.admin),
                display_name="Demo",
            )
            await session.commit()
    log.info(
        "demo wall: sign in with the demo account",
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD,
        url=f"http://{services.settings.host}:{services.settings.port}/",
    )
