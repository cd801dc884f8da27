"""A real `floorwatch serve` process on a free loopback port, and the callers to walk it with.

The server runs in its own process (uvicorn, uvloop, httptools: what production runs), so a
test can drive it with a synchronous client (schemathesis) or signal it (SIGTERM) without
sharing an event loop with it. Its whole output goes to a log file the test can read.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.auth.keys import Scope, create_api_key
from app.auth.roles import Role
from app.auth.sessions import create_user_token
from app.auth.users import RoleFields, create_user
from app.core.db import Database
from app.org.service import create_tenant
from tests.auth.support import PASSWORD, password_hash
from tests.helpers import free_port

STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


@dataclass
class ServerProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the server and wait for it to exit; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(STOP_TIMEOUT_S)


def server_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a server process: this one's, with the given FLOORWATCH_ settings
    (keys without the prefix, e.g. `engine="redis"`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORWATCH_")}
    env.update(
        {
            "FLOORWATCH_DATABASE_URL": database_url,
            "FLOORWATCH_ENVIRONMENT": "test",
            "FLOORWATCH_CREATE_DEFAULT_TENANT": "false",
            "FLOORWATCH_LOG_LEVEL": "WARNING",
        }
    )
    env.update({f"FLOORWATCH_{key.upper()}": value for key, value in settings.items()})
    return env


@contextmanager
def serve(env: dict[str, str], log_path: Path) -> Iterator[ServerProcess]:
    """`floorwatch serve` with `env`, ready (`/healthz` answers) when entered; stopped with
    SIGTERM (then SIGKILL, if it hangs) when left."""
    port = free_port()
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_S)


def wait_ready(server: ServerProcess) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited at startup:\n{server.log()[-4000:]}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start in time:\n{server.log()[-4000:]}")
        time.sleep(0.1)


@dataclass
class Credentials:
    """One tenant's callers: API keys by scope and an admin user (password and personal
    token), with their row ids."""

    tenant: str
    tenant_id: int
    ingest_key: str
    admin_key: str
    read_key: str
    admin_username: str
    admin_token: str
    key_ids: list[int]
    user_id: int
    token_id: int
    password: str = PASSWORD

    def bearer(self, credential: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {credential}"}

    @property
    def secrets(self) -> list[str]:
        return [self.ingest_key, self.admin_key, self.read_key, self.admin_token, self.password]


async def provision(database_url: str, *, padding: int = 0) -> Credentials:
    """A fresh tenant with keys and an admin user. `padding` first creates that many keys,
    users and tokens in another tenant, so that this tenant's ids are not the small numbers a
    fuzzer tries first."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    hashed = password_hash(PASSWORD)
    db = Database(database_url)
    try:
        async with db.session() as session:
            if padding:
                filler = await create_tenant(session, f"pad-{uuid.uuid4().hex[:8]}", "UTC")
                for n in range(padding):
                    await create_api_key(session, filler, f"pad{n}", {Scope.read})
                    user = await create_user(
                        session,
                        filler.id,
                        username=f"pad{n}",
                        password_hash=hashed,
                        fields=RoleFields(role=Role.display),
                    )
                    await create_user_token(session, user, "pad", None)
            tenant = await create_tenant(session, name, "Europe/Warsaw")
            keys = {
                label: await create_api_key(session, tenant, label, scopes)
                for label, scopes in (
                    ("ingest", {Scope.ingest}),
                    ("admin", {Scope.admin, Scope.read}),
                    ("read", {Scope.read}),
                )
            }
            admin = await create_user(
                session,
                tenant.id,
                username="boss",
                password_hash=hashed,
                fields=RoleFields(role=Role.admin),
            )
            token_row, token = await create_user_token(session, admin, "fuzz", None)
            await session.commit()
            return Credentials(
                tenant=name,
                tenant_id=tenant.id,
                ingest_key=keys["ingest"][1],
                admin_key=keys["admin"][1],
                read_key=keys["read"][1],
                admin_username="boss",
                admin_token=token,
                key_ids=[row.id for row, _ in keys.values()],
                user_id=admin.id,
                token_id=token_row.id,
            )
    finally:
        await db.close()
