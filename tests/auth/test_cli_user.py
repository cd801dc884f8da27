"""`floorwatch user create` against a real SQLite database, in a subprocess."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.auth.passwords import verify_password
from app.auth.users import view_of
from app.core.db import Database
from app.org.service import get_tenant_by_name
from app.tenancy.models import Team
from tests.auth.support import PASSWORD
from tests.helpers import floorwatch

pytestmark = pytest.mark.slow


async def test_user_create(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {**os.environ, "FLOORWATCH_DATABASE_URL": url}
    assert floorwatch("migrate", env=env).returncode == 0
    assert floorwatch("tenant", "create", "acme", env=env).returncode == 0
    db = Database(url)
    try:
        async with db.session() as session:
            tenant = await get_tenant_by_name(session, "acme")
            assert tenant is not None
            session.add_all([Team(tenant_id=tenant.id, name=n) for n in ("North", "South")])
            await session.commit()

        lead = ("user", "create", "--tenant", "acme", "--username", "Lead.N", "--role", "team_lead")
        made = floorwatch(
            *lead, "--team", "North", "--team", "South", "--password-stdin",
            env=env, stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert "lead.n" in made.stdout
        assert PASSWORD not in made.stdout + made.stderr

        async with db.session() as session:
            user = await session.scalar(select(User).where(User.username == "lead.n"))
            assert user is not None
            assert user.role == "team_lead"
            assert (await view_of(session, user)).teams == ["North", "South"]
            assert await verify_password(user.password_hash, PASSWORD)
            assert not await verify_password(user.password_hash, PASSWORD + "x")

        again = floorwatch(*lead, "--password-stdin", env=env, stdin=PASSWORD + "\n")
        assert again.returncode != 0
        assert "taken" in again.stderr
        no_tty = floorwatch(*lead[:-2], "--role", "admin", env=env)
        assert no_tty.returncode != 0
        assert "--password-stdin" in no_tty.stderr
        for extra, stdin, message in (
            (("--role", "boss"), PASSWORD, "unknown role"),
            (("--role", "admin"), "short", "at least"),
            (("--role", "team_lead", "--team", "West"), PASSWORD, "West"),
            (("--role", "agent"), PASSWORD, "agent"),
        ):
            base = ("user", "create", "--tenant", "acme", "--username", "x1")
            refused = floorwatch(*base, *extra, "--password-stdin", env=env, stdin=stdin + "\n")
            assert refused.returncode != 0, extra
            assert message in refused.stderr, (extra, refused.stderr)
    finally:
        await db.close()
