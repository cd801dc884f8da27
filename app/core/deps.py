"""FastAPI dependencies. They only read request state; the lifespan builds everything."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.services import Services


async def get_services(request: Request) -> Services:
    """Async on purpose: FastAPI runs a plain `def` dependency in its thread pool, which costs
    two thread hand-offs on every request."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
