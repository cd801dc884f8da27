"""Errors the database raises about a request's values, answered as client errors.

Routes validate what they take, but some faults only show when the database sees a value: an id
or number beyond the column's range (SQLite: `OverflowError`; PostgreSQL: a data exception,
which SQLAlchemy may wrap as a plain `DBAPIError`), or a row that would break a unique
constraint or point at a missing row. They are the caller's input, never a server fault, so they
answer 422 and 409 in the usual error shape instead of 500.

Install after `install_error_handlers` (app/core/error_handlers.py): the handlers here take
over the classes they share with it (`DBAPIError`) and hand every error that is not about the
request's values back to it.
"""

from __future__ import annotations

import inspect
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sql_errors
from starlette.responses import Response

from app.core.errors import error_body
from app.core.logging import get_logger

log = get_logger(__name__)

Handler = Callable[[Request, Any], Response | Awaitable[Response]]

OUT_OF_RANGE = (OverflowError, asyncpg.exceptions.DataError, sql_errors.DataError)
CONFLICT = (
    sql_errors.IntegrityError,
    asyncpg.exceptions.IntegrityConstraintViolationError,
    sqlite3.IntegrityError,
)


def input_fault(exc: BaseException) -> str | None:
    """`out_of_range` or `conflict` if `exc` (or what caused it) is about the values sent."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OUT_OF_RANGE):
            return "out_of_range"
        if isinstance(current, CONFLICT):
            return "conflict"
        current = current.__cause__ or current.__context__
    return None


ANSWERS = {
    "out_of_range": (
        422,
        "a number in the request is out of range (ids are positive 32-bit integers)",
    ),
    "conflict": (
        409,
        "the change conflicts with existing data: a name that must be unique is taken, or a "
        "referenced record does not exist",
    ),
}


def install_input_error_handlers(app: FastAPI) -> None:
    for kind in (OverflowError, sql_errors.DBAPIError):
        app.add_exception_handler(kind, _handler(app.exception_handlers.get(kind)))


def _handler(previous: Handler | None) -> Callable[[Request, Any], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        fault = input_fault(exc)
        if fault is None:
            if previous is None:
                raise exc
            answer = previous(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        status, message = ANSWERS[fault]
        log.info("request refused by the database", fault=fault, path=request.url.path)
        return JSONResponse(error_body(fault, message), status_code=status)

    return handle
