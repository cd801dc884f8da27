"""Login throttling: the lockout rule on a real database (SQLite and PostgreSQL) with a
controlled clock, and 429 + Retry-After over real HTTP on both engines."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from app.auth.models import LoginThrottle as ThrottleRow
from app.auth.roles import Role
from app.auth.throttle import LoginThrottle, Throttled, ThrottlePolicy, throttle_key
from app.core.db import Database
from tests.auth.support import PASSWORD, make_user
from tests.conftest import RunningApp, make_settings, start_app, stop_app
from tests.helpers import make_tenant_key

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
async def throttle(database_url: str) -> AsyncIterator[LoginThrottle]:
    db = Database(database_url)
    settings = make_settings(
        database_url=database_url,
        login_max_failures=3,
        login_ip_max_failures=5,
        login_lockout_base_s=10.0,
        login_lockout_max_s=100.0,
        login_failure_window_s=1000.0,
    )
    try:
        yield LoginThrottle(db, settings)
    finally:
        await db.close()


def keys() -> tuple[str, str]:
    tag = uuid.uuid4().hex
    return throttle_key("user", "t", tag), throttle_key("address", tag)


def test_lockout_doubles_from_the_limit_up_to_the_cap() -> None:
    policy = ThrottlePolicy(max_failures=5, base_s=30, max_s=900, window_s=3600)
    assert [policy.lockout_s(n) for n in range(1, 12)] == [
        0,
        0,
        0,
        0,
        30,
        60,
        120,
        240,
        480,
        900,
        900,
    ]
    assert policy.lockout_s(10_000) == 900


async def test_failures_lock_the_username_with_a_doubling_lockout(throttle: LoginThrottle) -> None:
    user, address = keys()

    async def attempt(second: int) -> None:
        # a new address each time, so that only the username's limit is at work here
        await throttle.begin(user, throttle_key("address", address, second), at(second))

    for second in (0, 1, 2):  # the third attempt is allowed and starts a 10 s lockout
        await attempt(second)
    with pytest.raises(Throttled) as locked:
        await attempt(5)
    assert locked.value.retry_after_s == 7
    assert locked.value.headers == {"Retry-After": "7"}
    await attempt(12)  # after the lockout: one more guess, then 20 s
    with pytest.raises(Throttled) as longer:
        await attempt(13)
    assert longer.value.retry_after_s == 19
    await attempt(32)  # then 40 s
    with pytest.raises(Throttled) as longest:
        await attempt(33)
    assert longest.value.retry_after_s == 39
    for second in (72, 152, 312):  # 80 s, then the 100 s cap
        await attempt(second)
    with pytest.raises(Throttled) as capped:
        await attempt(313)
    assert capped.value.retry_after_s == 99
    assert await throttle.attempts(user) == 8  # refused attempts are not counted


async def test_success_forgets_the_username_and_returns_the_address_attempt(
    throttle: LoginThrottle,
) -> None:
    user, address = keys()
    await throttle.begin(user, address, at(0))
    await throttle.begin(user, address, at(1))
    await throttle.begin(user, address, at(2))
    await throttle.succeeded(user, address, at(2))
    assert await throttle.attempts(user) == 0
    assert await throttle.attempts(address) == 2
    await throttle.begin(user, address, at(3))  # not locked any more


async def test_attempts_are_forgotten_after_the_window(throttle: LoginThrottle) -> None:
    user, address = keys()
    await throttle.begin(user, address, at(0))
    await throttle.begin(user, address, at(1))
    await throttle.begin(user, address, at(1000 + 1))
    assert await throttle.attempts(user) == 1


async def test_the_address_limit_covers_every_username(throttle: LoginThrottle) -> None:
    _, address = keys()
    for n in range(5):
        await throttle.begin(throttle_key("user", "t", f"u{n}-{address}"), address, at(n))
    other_user = throttle_key("user", "t", f"other-{address}")
    with pytest.raises(Throttled):
        await throttle.begin(other_user, address, at(6))
    assert await throttle.attempts(other_user) == 0


async def test_parallel_guesses_cannot_pass_the_limit(throttle: LoginThrottle) -> None:
    user, _ = keys()
    results = await asyncio.gather(
        *(throttle.begin(user, throttle_key("address", user, n), at(0)) for n in range(12)),
        return_exceptions=True,
    )
    passed = [r for r in results if r is None]
    refused = [r for r in results if isinstance(r, Throttled)]
    assert len(passed) == 3
    assert len(refused) == 9


async def clear_address(database_url: str, address: str) -> None:
    db = Database(database_url)
    try:
        async with db.session() as session:
            await session.execute(
                delete(ThrottleRow).where(ThrottleRow.key_hash == throttle_key("address", address))
            )
            await session.commit()
    finally:
        await db.close()


async def test_http_login_lockout_answers_429_with_retry_after(app_server: RunningApp) -> None:
    settings = app_server.settings.model_copy(
        update={"login_max_failures": 3, "login_lockout_base_s": 60.0}
    )
    running, task = await start_app(settings)
    try:
        name = f"t-{uuid.uuid4().hex[:8]}"
        tenant_id, _ = await make_tenant_key(settings.database_url, name=name)
        await make_user(settings.database_url, tenant_id, "victim", Role.admin)
        await make_user(settings.database_url, tenant_id, "bystander", Role.admin)

        def body(user: str, password: str) -> dict[str, str]:
            return {"tenant": name, "username": user, "password": password}

        async with running.client() as client:
            wrong = [
                (
                    await client.post("/v1/auth/login", json=body("victim", f"guess {n}!!"))
                ).status_code
                for n in range(3)
            ]
            locked = await client.post("/v1/auth/login", json=body("victim", PASSWORD))
            other = await client.post("/v1/auth/login", json=body("bystander", PASSWORD))
            case = await client.post("/v1/auth/login", json=body("VICTIM", PASSWORD))
        assert wrong == [401, 401, 401]
        assert locked.status_code == 429
        assert locked.json()["error"]["code"] == "too_many_attempts"
        assert 0 < int(locked.headers["Retry-After"]) <= 60
        assert "set-cookie" not in locked.headers
        assert other.status_code == 200
        assert case.status_code == 429  # usernames are case-insensitive, so is the lockout
    finally:
        await stop_app(running, task)


async def test_http_address_lockout(app_server: RunningApp) -> None:
    settings = app_server.settings.model_copy(
        update={"login_ip_max_failures": 4, "login_max_failures": 100}
    )
    await clear_address(settings.database_url, "127.0.0.1")
    running, task = await start_app(settings)
    try:
        name = f"t-{uuid.uuid4().hex[:8]}"
        tenant_id, _ = await make_tenant_key(settings.database_url, name=name)
        await make_user(settings.database_url, tenant_id, "real", Role.admin)
        async with running.client() as client:
            codes = [
                (
                    await client.post(
                        "/v1/auth/login",
                        json={"tenant": name, "username": f"guess{n}", "password": "x" * 12},
                    )
                ).status_code
                for n in range(5)
            ]
        assert codes == [401, 401, 401, 401, 429]
    finally:
        await stop_app(running, task)
        await clear_address(settings.database_url, "127.0.0.1")
