"""Helpers of the auth tests: users made directly in the database, logins over real HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from http.cookies import SimpleCookie

import httpx

from app.auth.models import User
from app.auth.passwords import hash_password_sync
from app.auth.resolver import CSRF_HEADER, SESSION_COOKIE
from app.auth.roles import Role
from app.auth.sessions import create_user_token
from app.auth.users import RoleFields, create_user
from app.core.db import Database
from app.tenancy.models import Agent, Queue, Team

PASSWORD = "correct horse battery"


@cache
def password_hash(password: str) -> str:
    """Hashed once per password: argon2 is slow on purpose, and tests make many users."""
    return hash_password_sync(password)


async def make_user(
    database_url: str,
    tenant_id: int,
    username: str,
    role: Role,
    *,
    password: str = PASSWORD,
    teams: tuple[str, ...] = (),
    all_teams: bool = False,
    agent: str | None = None,
    dashboard_id: int | None = None,
) -> int:
    db = Database(database_url)
    try:
        async with db.session() as session:
            user = await create_user(
                session,
                tenant_id,
                username=username,
                password_hash=password_hash(password),
                fields=RoleFields(
                    role=role,
                    all_teams=all_teams,
                    teams=frozenset(teams),
                    agent=agent,
                    dashboard_id=dashboard_id,
                ),
                display_name=username.title(),
            )
            await session.commit()
            return user.id
    finally:
        await db.close()


async def make_org(
    database_url: str, tenant_id: int, teams: dict[str, list[str]], queues: tuple[str, ...] = ()
) -> dict[str, int]:
    """Teams with their agents (external ids) and queues; returns agent external id → row id."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            ids: dict[str, int] = {}
            for team_name, agents in teams.items():
                team = Team(tenant_id=tenant_id, name=team_name)
                session.add(team)
                await session.flush()
                for external_id in agents:
                    agent = Agent(
                        tenant_id=tenant_id,
                        external_id=external_id,
                        display_name=external_id.upper(),
                        team_id=team.id,
                    )
                    session.add(agent)
                    await session.flush()
                    ids[external_id] = agent.id
            for name in queues:
                session.add(Queue(tenant_id=tenant_id, name=name))
            await session.commit()
            return ids
    finally:
        await db.close()


@dataclass(frozen=True)
class Login:
    """A browser login: the cookie value, its attributes and the CSRF token."""

    cookie: str
    attributes: dict[str, str | bool]
    csrf_token: str
    body: dict[str, object]

    def headers(self, *, csrf: bool = True) -> dict[str, str]:
        headers = {"Cookie": f"{SESSION_COOKIE}={self.cookie}"}
        if csrf:
            headers[CSRF_HEADER] = self.csrf_token
        return headers


def session_cookie_of(response: httpx.Response) -> tuple[str, dict[str, str | bool]]:
    """The `fw_session` value and attributes (lower-case names) of a Set-Cookie answer."""
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if SESSION_COOKIE in jar:
            morsel = jar[SESSION_COOKIE]
            attributes: dict[str, str | bool] = {
                key: value for key, value in morsel.items() if value
            }
            return morsel.value, attributes
    raise AssertionError(f"no {SESSION_COOKIE} cookie in {response.headers!r}")


async def login(
    base_url: str, username: str, password: str = PASSWORD, tenant: str | None = None
) -> Login:
    body: dict[str, str] = {"username": username, "password": password}
    if tenant is not None:
        body["tenant"] = tenant
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        response = await client.post("/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    cookie, attributes = session_cookie_of(response)
    data = response.json()
    return Login(cookie, attributes, data["csrf_token"], data)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Token:
    """A personal access token: resolves to the same principal as a login, without the
    argon2 verification (so tests can have many users quickly)."""

    token: str

    def headers(self, *, csrf: bool = True) -> dict[str, str]:
        return bearer(self.token)


async def make_token(database_url: str, user_id: int, name: str = "test") -> Token:
    db = Database(database_url)
    try:
        async with db.session() as session:
            user = await session.get(User, user_id)
            assert user is not None
            _, token = await create_user_token(session, user, name, None)
            await session.commit()
            return Token(token)
    finally:
        await db.close()
