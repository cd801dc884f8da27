"""The CLI against a real SQLite database: migrate, tenant create, api-key create."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.auth.keys import find_api_key
from app.core.db import Database


def floorwatch(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_migrate_tenant_and_key(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {**os.environ, "FLOORWATCH_DATABASE_URL": url}
    assert floorwatch("migrate", env=env).returncode == 0
    created = floorwatch("tenant", "create", "acme", "--timezone", "Europe/Warsaw", env=env)
    assert created.returncode == 0, created.stderr
    bad_zone = floorwatch("tenant", "create", "x", "--timezone", "Mars/Olympus", env=env)
    assert bad_zone.returncode != 0
    assert "time zone" in bad_zone.stderr
    made = floorwatch(
        "api-key",
        "create",
        "--tenant",
        "acme",
        "--name",
        "pbx",
        "--scope",
        "ingest",
        "--scope",
        "read",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("fw_")
    db = Database(url)
    try:
        async with db.session() as session:
            row = await find_api_key(session, key)
            assert row is not None
            assert row.scopes == "ingest,read"
            assert key not in row.key_hash
    finally:
        await db.close()
    rebuilt = floorwatch("reports", "rebuild", "--tenant", "acme", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt from 0 facts" in rebuilt.stdout
    no_tenant = floorwatch(
        "api-key", "create", "--tenant", "nope", "--name", "x", "--scope", "read", env=env
    )
    assert no_tenant.returncode != 0
