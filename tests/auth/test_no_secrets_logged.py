"""Passwords, session cookies, personal tokens and API keys never reach the logs: a real
`floorwatch serve` process at log level INFO, whose whole output is searched."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.auth.support import PASSWORD, session_cookie_of
from tests.helpers import floorwatch, free_port


def cli(*args: str, env: dict[str, str], stdin: str = "") -> None:
    done = floorwatch(*args, env=env, stdin=stdin)
    assert done.returncode == 0, done.stderr


async def test_secrets_never_logged(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "FLOORWATCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'logs.sqlite3'}",
        "FLOORWATCH_LOG_LEVEL": "DEBUG",
        "FLOORWATCH_ENVIRONMENT": "test",
    }
    cli("migrate", env=env)
    cli("tenant", "create", "acme", env=env)
    cli(
        *("user", "create", "--tenant", "acme", "--username", "boss", "--role", "admin"),
        "--password-stdin",
        env=env,
        stdin=PASSWORD + "\n",
    )
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log_file:
        server = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "app.cli", "serve", "--port", str(port)),
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        secrets: list[str] = [PASSWORD, "a wrong password!"]
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        if (await c.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline, log_path.read_text()
                    await asyncio.sleep(0.1)
                body = {"tenant": "acme", "username": "boss"}
                wrong = await c.post("/v1/auth/login", json={**body, "password": secrets[1]})
                assert wrong.status_code == 401
                good = await c.post("/v1/auth/login", json={**body, "password": PASSWORD})
                assert good.status_code == 200
                cookie, _ = session_cookie_of(good)
                csrf = good.json()["csrf_token"]
                headers = {"Cookie": f"fw_session={cookie}", "X-CSRF-Token": csrf}
                token = await c.post("/v1/auth/tokens", json={"name": "t"}, headers=headers)
                key = await c.post(
                    "/v1/api-keys", json={"name": "k", "scopes": ["ingest"]}, headers=headers
                )
                secrets += [cookie, csrf, token.json()["token"], key.json()["key"]]
                auth = {"Authorization": f"Bearer {key.json()['key']}"}
                assert (await c.post("/v1/events", json=[], headers=auth)).status_code == 200
                changed = await c.post(
                    "/v1/auth/password",
                    json={"current_password": PASSWORD, "new_password": "n" * 12},
                    headers=headers,
                )
                assert changed.status_code == 204
                secrets.append("n" * 12)
        finally:
            server.send_signal(signal.SIGTERM)
            await asyncio.wait_for(server.wait(), 30)
    logged = log_path.read_text()
    assert "login refused" in logged  # the log was captured at all
    assert "API key created" in logged
    for secret in secrets:
        assert secret not in logged
