"""One error hierarchy, rendered in one JSON shape:

    {"error": {"code": "...", "message": "...", "details": [...]}}

Services raise these; only the handlers (app/core/error_handlers.py) know about HTTP. This
module imports no web framework or client library, so the command line and the workers can
use it without loading them.
"""

from __future__ import annotations

from typing import Any


class FloorwatchError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers = headers or {}


class BadRequest(FloorwatchError):
    status_code = 400
    code = "bad_request"


class Unauthorized(FloorwatchError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str = "missing or invalid credentials") -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(FloorwatchError):
    status_code = 403
    code = "forbidden"


class NotFound(FloorwatchError):
    status_code = 404
    code = "not_found"


class Conflict(FloorwatchError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(FloorwatchError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(FloorwatchError):
    status_code = 415
    code = "unsupported_media_type"


class ClientClosed(FloorwatchError):
    """The client went away before its request body arrived whole: nothing was kept, and the
    answer (nginx's 499) is never read. Not a fault of the service, so not logged as one."""

    status_code = 499
    code = "client_closed_request"


class Unavailable(FloorwatchError):
    """A dependency (database, Redis) is down: retry later, nothing was kept."""

    status_code = 503
    code = "unavailable"

    def __init__(self, message: str, retry_after_s: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_s)})


def error_body(
    code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}
