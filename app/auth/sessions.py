"""Browser sessions and personal access tokens: random tokens of which only the SHA-256 is
stored (they are high-entropy, so a fast hash is right; passwords use argon2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.keys import hash_key
from app.auth.models import User, UserSession, UserToken
from app.core.config import Settings
from app.core.errors import NotFound

SESSION_TOKEN_PREFIX = "fws_"
USER_TOKEN_PREFIX = "fwu_"
MAX_TOKEN_LENGTH = 200
TOUCH_INTERVAL = timedelta(seconds=60)
"""A session's `last_seen_at` (and sliding expiry) is written at most this often."""


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def new_session_token() -> str:
    return SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: an HMAC of the cookie's token. Whoever reads it (the
    page's script, after login or GET /v1/auth/me) cannot get the cookie back from it; a
    cross-site page, which cannot read either, cannot produce it."""
    digest = hmac.new(session_token.encode(), b"floorwatch csrf v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_user_token() -> str:
    return USER_TOKEN_PREFIX + secrets.token_urlsafe(30)


def well_formed(token: str, prefix: str) -> bool:
    return token.startswith(prefix) and len(token) <= MAX_TOKEN_LENGTH


async def create_session(
    session: AsyncSession, user: User, settings: Settings, user_agent: str | None, now: datetime
) -> tuple[UserSession, str]:
    """A new session for `user`; returns the row and the cookie value (never stored)."""
    token = new_session_token()
    lifetime = min(settings.session_idle_ttl_s, settings.session_max_age_s)
    row = UserSession(
        user_id=user.id,
        token_hash=hash_key(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=lifetime),
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(row)
    await session.flush()
    return row, token


@dataclass(frozen=True, slots=True)
class FoundSession:
    row: UserSession
    user: User


async def find_session(
    session: AsyncSession, token: str, settings: Settings, now: datetime
) -> FoundSession | None:
    """The live session of a cookie value, its expiry slid forward (written at most once per
    TOUCH_INTERVAL); None if unknown, expired or the user is disabled."""
    if not well_formed(token, SESSION_TOKEN_PREFIX):
        return None
    found = (
        await session.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.token_hash == hash_key(token))
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if aware(row.expires_at) <= now or user.disabled:
        return None
    if now - aware(row.last_seen_at) >= TOUCH_INTERVAL:
        hard_end = aware(row.created_at) + timedelta(seconds=settings.session_max_age_s)
        row.last_seen_at = now
        row.expires_at = min(now + timedelta(seconds=settings.session_idle_ttl_s), hard_end)
        await session.commit()
    return FoundSession(row, user)


async def end_session(session: AsyncSession, session_id: int) -> None:
    await session.execute(delete(UserSession).where(UserSession.id == session_id))


async def end_user_sessions(
    session: AsyncSession, user_id: int, keep_session_id: int | None = None
) -> int:
    """End every session of the user except `keep_session_id`; returns how many ended."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_session_id is not None:
        query = query.where(UserSession.id != keep_session_id)
    result = await session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge_expired_sessions(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def create_user_token(
    session: AsyncSession, user: User, name: str, expires_at: datetime | None
) -> tuple[UserToken, str]:
    """A personal access token; returns the row and the token (shown once, never stored)."""
    token = new_user_token()
    row = UserToken(
        user_id=user.id,
        name=name,
        prefix=token[:12],
        token_hash=hash_key(token),
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return row, token


@dataclass(frozen=True, slots=True)
class FoundToken:
    row: UserToken
    user: User


async def find_user_token(session: AsyncSession, token: str, now: datetime) -> FoundToken | None:
    """The live token and its user; None if unknown, revoked, expired or the user disabled."""
    if not well_formed(token, USER_TOKEN_PREFIX):
        return None
    found = (
        await session.execute(
            select(UserToken, User)
            .join(User, User.id == UserToken.user_id)
            .where(UserToken.token_hash == hash_key(token), UserToken.revoked_at.is_(None))
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if (row.expires_at is not None and aware(row.expires_at) <= now) or user.disabled:
        return None
    if row.last_used_at is None or now - aware(row.last_used_at) >= TOUCH_INTERVAL:
        row.last_used_at = now
        await session.commit()
    return FoundToken(row, user)


async def list_user_tokens(session: AsyncSession, user_id: int) -> list[UserToken]:
    rows = await session.scalars(
        select(UserToken)
        .where(UserToken.user_id == user_id, UserToken.revoked_at.is_(None))
        .order_by(UserToken.id)
    )
    return list(rows.all())


async def revoke_user_tokens(session: AsyncSession, user_id: int, now: datetime) -> int:
    """Revoke every live personal token of the user (when it is disabled: enabling it again
    must not bring old tokens back); returns how many were revoked."""
    result = await session.execute(
        update(UserToken)
        .where(UserToken.user_id == user_id, UserToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def revoke_user_token(
    session: AsyncSession, user_id: int, token_id: int, now: datetime
) -> None:
    result = await session.execute(
        update(UserToken)
        .where(
            UserToken.id == token_id,
            UserToken.user_id == user_id,
            UserToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"you have no active token with id {token_id}")
