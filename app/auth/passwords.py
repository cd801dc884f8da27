"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).

Hashing and verifying take tens of milliseconds and 64 MiB each, so they run on a small
dedicated thread pool: the event loop (which also runs the aggregator in the memory engine)
never blocks on them, and a flood of logins cannot use more than `HASH_THREADS` × 64 MiB.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
HASH_THREADS = 2

_hasher = PasswordHasher()


class WeakPassword(ValueError):
    """The password does not meet the policy; the message says what is expected."""


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise WeakPassword("a password is not only white space")


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="argon2")


@cache
def _dummy_hash() -> str:
    """A hash of a random secret, verified when the user does not exist, so that an unknown
    username takes as long as a wrong password."""
    return _hasher.hash(secrets.token_urlsafe(32))


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool(), hash_password_sync, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches `password_hash`. With `password_hash=None` (no such user)
    a dummy hash is verified and False returned, in the same time."""
    return await asyncio.get_running_loop().run_in_executor(
        _pool(), _verify, password_hash, password
    )


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
