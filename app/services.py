"""What one process's endpoints and feeds share: settings, the database, the tenant configs,
the engine, the box that seals secrets and the rate limiter, plus the parts that feature
packages contribute (the alert runtime, the change feeds), registered by type.

The parts are looked up by type so that this module, which every endpoint imports, imports no
feature package: `app.wiring` builds the parts and registers them, and a feature asks for its
own by its class (`services.part(AlertRuntime)`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from app.core.config import Settings
from app.core.db import Database
from app.core.rate_limit import RateLimiter
from app.core.sealing import SecretBox
from app.streams.engine import Engine
from app.streams.tenant_config import TenantConfigs

Part = TypeVar("Part")


@dataclass
class Services:
    settings: Settings
    db: Database
    configs: TenantConfigs
    engine: Engine
    box: SecretBox
    limiter: RateLimiter | None = None
    parts: dict[type, object] = field(default_factory=dict)

    def add(self, part: object) -> None:
        """Register `part` under its class; a second part of the same class is refused."""
        kind = type(part)
        if kind in self.parts:
            raise ValueError(f"a {kind.__name__} is registered already")
        self.parts[kind] = part

    def part(self, kind: type[Part]) -> Part:
        """The registered part of class `kind` (KeyError if the wiring registered none)."""
        found = self.parts[kind]
        if not isinstance(found, kind):
            raise TypeError(f"the part registered as {kind.__name__} is a {type(found).__name__}")
        return found


async def get_services(request: Request) -> Services:
    """Async on purpose: FastAPI runs a plain `def` dependency in its thread pool, which costs
    two thread hand-offs on every request."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
