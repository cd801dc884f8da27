"""The FastAPI exception handlers: the error hierarchy (app/core/errors.py) and validation
errors in the one JSON shape, and outages of the database or Redis as 503 with Retry-After."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis import exceptions as redis_errors
from sqlalchemy import exc as sql_errors
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.errors import FloorwatchError, error_body
from app.core.logging import get_logger

log = get_logger(__name__)

OUTAGE_RETRY_AFTER_S = 5
_OUTAGE_CAUSES: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, aborted, broken pipe
    TimeoutError,
    redis_errors.ConnectionError,  # includes BusyLoadingError (Redis loading its AOF)
    redis_errors.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,  # shutting down, starting up (cannot connect now)
    asyncpg.InterfaceError,  # the connection was closed under a query
)


def is_outage(exc: BaseException) -> bool:
    """True if `exc` (or what caused it) says a dependency (the database, Redis) cannot be
    reached or is restarting, as opposed to a fault in the request or the code."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _OUTAGE_CAUSES):
            return True
        if isinstance(current, sql_errors.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FloorwatchError)
    async def _floorwatch(_: Request, exc: FloorwatchError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in err["loc"]), "reason": err["msg"]}
            for err in exc.errors()
        ]
        return JSONResponse(
            error_body("validation_error", "the request is invalid", details), status_code=422
        )

    async def _outage(request: Request, exc: Exception) -> JSONResponse:
        """A database or Redis outage is a 503 with Retry-After (clients retry), not a 500."""
        if not is_outage(exc):
            raise exc
        log.warning(
            "dependency unavailable", method=request.method, path=request.url.path, error=repr(exc)
        )
        return JSONResponse(
            error_body("unavailable", "a dependency is unavailable; retry later"),
            status_code=503,
            headers={"Retry-After": str(OUTAGE_RETRY_AFTER_S)},
        )

    for kind in (OSError, sql_errors.DBAPIError, redis_errors.RedisError, asyncpg.PostgresError):
        app.add_exception_handler(kind, _outage)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(f"http_{exc.status_code}", str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
