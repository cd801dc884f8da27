"""Login throttling per username and per client address, shared by every API process.

Each key (a username in a tenant, or a client address) counts attempts. An attempt is counted
*before* the password is checked, so parallel guesses cannot slip past the limit; a successful
login forgets the username's attempts and takes its own attempt back from the address. The
attempt that reaches `max_failures` locks the key for `base_s`, and every further attempt
after a lockout doubles it, up to `max_s`: after the limit a key gets one guess per lockout.
Attempts are forgotten once none was made for `window_s`.

The state lives in the SQL database (table `login_throttle`), updated by compare-and-swap on
a version column, so it holds across processes on both engines without Redis.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.models import LoginThrottle as ThrottleRow
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import FloorwatchError

CAS_TRIES = 8
PURGE_PROBABILITY = 0.01


class Throttled(FloorwatchError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after_s: float) -> None:
        seconds = max(1, math.ceil(retry_after_s))
        super().__init__(
            f"too many login attempts; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
        self.retry_after_s = seconds


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    base_s: float
    max_s: float
    window_s: float

    def lockout_s(self, attempts: int) -> float:
        """The lockout set by the `attempts`-th attempt (none below `max_failures`)."""
        if attempts < self.max_failures:
            return 0.0
        exponent = min(attempts - self.max_failures, 32)
        return float(min(self.base_s * 2**exponent, self.max_s))


def user_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        settings.login_max_failures,
        settings.login_lockout_base_s,
        settings.login_lockout_max_s,
        settings.login_failure_window_s,
    )


def address_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        settings.login_ip_max_failures,
        settings.login_lockout_base_s,
        settings.login_lockout_max_s,
        settings.login_failure_window_s,
    )


def throttle_key(kind: str, *parts: str | int) -> str:
    """The stored key: a hash, so what people typed as a username is not kept."""
    raw = "\0".join([kind, *(str(p) for p in parts)])
    return hashlib.sha256(raw.encode()).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _State:
    attempts: int
    locked_until: datetime | None


Transition = Callable[[_State | None], _State | None]
"""Old state (None: no row) to new state (None: delete the row); may raise Throttled."""


class LoginThrottle:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.user_policy = user_policy(settings)
        self.address_policy = address_policy(settings)

    async def begin(self, user_key: str, address_key: str, now: datetime) -> None:
        """Count an attempt for both keys; raise Throttled (counting nothing) if either is
        locked."""
        await self._claim(address_key, self.address_policy, now)
        try:
            await self._claim(user_key, self.user_policy, now)
        except Throttled:
            await self._release(address_key, self.address_policy, now)
            raise

    async def succeeded(self, user_key: str, address_key: str, now: datetime) -> None:
        await self._change(user_key, now, lambda _: None)
        await self._release(address_key, self.address_policy, now)
        if random.random() < PURGE_PROBABILITY:
            await self.purge(now)

    async def _claim(self, key: str, policy: ThrottlePolicy, now: datetime) -> None:
        def claim(old: _State | None) -> _State:
            attempts = old.attempts if old is not None else 0
            if old is not None and old.locked_until is not None and old.locked_until > now:
                raise Throttled((old.locked_until - now).total_seconds())
            attempts += 1
            lockout = policy.lockout_s(attempts)
            return _State(attempts, now + timedelta(seconds=lockout) if lockout else None)

        await self._change(key, now, claim, window_s=policy.window_s)

    async def _release(self, key: str, policy: ThrottlePolicy, now: datetime) -> None:
        def release(old: _State | None) -> _State | None:
            if old is None or old.attempts <= 1:
                return None
            attempts = old.attempts - 1
            locked = old.locked_until if attempts >= policy.max_failures else None
            return _State(attempts, locked)

        await self._change(key, now, release, window_s=policy.window_s, touch=False)

    async def _change(
        self,
        key: str,
        now: datetime,
        transition: Transition,
        *,
        window_s: float | None = None,
        touch: bool = True,
    ) -> None:
        """Apply `transition` to the key's state atomically (compare-and-swap, retried)."""
        for _ in range(CAS_TRIES):
            async with self.db.session() as session:
                row = await session.get(ThrottleRow, key)
                old: _State | None = None
                if row is not None:
                    locked_until = _aware(row.locked_until)
                    idle_s = (now - (_aware(row.last_attempt_at) or now)).total_seconds()
                    forgotten = (
                        window_s is not None
                        and idle_s >= window_s
                        and (locked_until is None or locked_until <= now)
                    )
                    old = None if forgotten else _State(row.attempts, locked_until)
                new = transition(old)
                if row is None:
                    if new is None:
                        return
                    try:
                        await session.execute(
                            insert(ThrottleRow).values(
                                key_hash=key,
                                attempts=new.attempts,
                                locked_until=new.locked_until,
                                last_attempt_at=now,
                                version=0,
                            )
                        )
                        await session.commit()
                    except IntegrityError:  # another process inserted it first: read again
                        await session.rollback()
                        continue
                    return
                if new is None:
                    done = await session.execute(
                        delete(ThrottleRow).where(
                            ThrottleRow.key_hash == key, ThrottleRow.version == row.version
                        )
                    )
                else:
                    done = await session.execute(
                        update(ThrottleRow)
                        .where(ThrottleRow.key_hash == key, ThrottleRow.version == row.version)
                        .values(
                            attempts=new.attempts,
                            locked_until=new.locked_until,
                            last_attempt_at=now if touch else row.last_attempt_at,
                            version=row.version + 1,
                        )
                    )
                await session.commit()
                if done.rowcount == 1:  # type: ignore[attr-defined]
                    return
        raise Throttled(1.0)

    async def purge(self, now: datetime) -> int:
        """Delete keys with no attempt for the window and no lockout running."""
        window = max(self.user_policy.window_s, self.address_policy.window_s)
        async with self.db.session() as session:
            result = await session.execute(
                delete(ThrottleRow).where(
                    ThrottleRow.last_attempt_at < now - timedelta(seconds=window),
                    or_(ThrottleRow.locked_until.is_(None), ThrottleRow.locked_until < now),
                )
            )
            await session.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def attempts(self, key: str) -> int:
        """The attempts counted for `key` now (for tests and diagnostics)."""
        async with self.db.session() as session:
            value = await session.scalar(
                select(ThrottleRow.attempts).where(ThrottleRow.key_hash == key)
            )
            return int(value or 0)
