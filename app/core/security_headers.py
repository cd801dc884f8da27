"""Security headers on every HTTP answer, and a content security policy on every page.

- `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`
  and `Cross-Origin-Opener-Policy: same-origin` on everything.
- A content security policy: the wall display's own (`WALL_POLICY`: scripts and styles from
  this origin only) on pages without one; the API docs (`/docs`, `/redoc`), which FastAPI builds
  with an inline script and assets from jsDelivr, get a policy that allows exactly those; JSON
  answers get `default-src 'none'`. Every policy forbids framing (`frame-ancestors 'none'`).
- `Strict-Transport-Security` when the deployment is on HTTPS (`cookie_secure`).

A header the route set itself is kept.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WALL_POLICY: Final = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
API_POLICY: Final = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
DOCS_POLICY: Final = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
DOCS_PATHS: Final = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
HSTS: Final = "max-age=31536000; includeSubDomains"
ALWAYS: Final = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def policy_for(path: str, content_type: str) -> str:
    if path in DOCS_PATHS:
        return DOCS_POLICY
    if content_type.startswith("text/html"):
        return WALL_POLICY
    return API_POLICY


class SecurityHeaders:
    """Pure ASGI middleware (it does not buffer bodies or touch WebSockets)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS:
                    headers.setdefault(name, value)
                content_type = headers.get("content-type", "")
                headers.setdefault("Content-Security-Policy", policy_for(path, content_type))
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
