"""Serve the built wall display (frontend/dist, made by `make setup`) at `/`.

Single-page app: a path that is not a file (`/d/3`, `/login`, `/display`) gets index.html and
the browser's router takes over; paths under `/v1/` never do, so a mistyped API call still
answers 404 in the API's error shape. Cache policy: Vite names every file under `/assets/`
after a hash of its content, so those are cached for a year as immutable; index.html (and the
SPA fallback) must be revalidated on every load (`no-cache` + ETag), so a deploy is picked up
by the next reload while unchanged pages answer 304.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.core.paths import project_root
from app.core.security_headers import WALL_POLICY

FRONTEND_DIST: Final = project_root() / "frontend" / "dist"
IMMUTABLE: Final = "public, max-age=31536000, immutable"
REVALIDATE: Final = "no-cache"
SHORT: Final = "public, max-age=3600"
NOT_BUILT: Final = """<!doctype html><meta charset="utf-8"><title>Floorwatch</title>
<body style="font:16px system-ui;background:#0b1220;color:#e6edf7;padding:3em">
<h1>The wall display is not built</h1><p>Run <code>make setup</code> (it builds
<code>frontend/</code> with npm), then reload. The API is up at <a style="color:#7cc4ff"
href="/docs">/docs</a>.</p></body>"""


class WallFiles(StaticFiles):
    """StaticFiles with the SPA fallback and the cache policy above."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path == "v1" or path.startswith("v1/"):
            raise HTTPException(status_code=404, detail=f"no route {scope['path']}")
        try:
            response = await super().get_response(path or "index.html", scope)
        except HTTPException as exc:
            if exc.status_code != 404 or path.startswith("assets/"):
                raise
            response = await super().get_response("index.html", scope)
            path = "index.html"
        response.headers["Cache-Control"] = cache_control(path)
        response.headers["X-Content-Type-Options"] = "nosniff"
        if path in ("", "index.html"):
            response.headers["Content-Security-Policy"] = WALL_POLICY
            response.headers["Referrer-Policy"] = "no-referrer"
        return response


def cache_control(path: str) -> str:
    if path.startswith("assets/"):
        return IMMUTABLE
    if path in ("", "index.html") or path.endswith(".html"):
        return REVALIDATE
    return SHORT


def mount_frontend(app: FastAPI, dist: Path = FRONTEND_DIST) -> None:
    """Mount the wall display at `/`. Call it after every router: the mount matches any
    path, so routes added after it would never be reached."""
    if (dist / "index.html").is_file():
        app.mount("/", WallFiles(directory=dist), name="wall")
        return

    @app.get("/", include_in_schema=False)
    async def not_built() -> HTMLResponse:
        return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": REVALIDATE})
