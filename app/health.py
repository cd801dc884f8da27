from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.core.logging import get_logger
from app.services import ServicesDep

router = APIRouter(tags=["health"])
log = get_logger(__name__)


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database and the engine (Redis for the redis engine) answer",
    responses={503: {"description": "a dependency is down"}},
)
async def readyz(services: ServicesDep) -> JSONResponse:
    checks: dict[str, str] = {}
    for name, probe in (("database", services.db.ping), ("engine", services.engine.ping)):
        try:
            await probe()
            checks[name] = "ok"
        except Exception as exc:
            log.warning("readiness check failed", check=name, error=str(exc))
            checks[name] = f"down: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers=None if ready else {"Retry-After": "5"},
    )
