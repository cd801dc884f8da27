from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class ApiKey(Base):
    """An API key. Only the SHA-256 of the key is stored; the key itself is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class User(Base):
    """A person (or a wall display) who logs in. `username` is stored lower-case and is unique
    within the tenant. `role` is one of `app.auth.roles.Role`; `all_teams` only matters for
    supervisors, `agent_id` only for agents, `dashboard_id` only for displays."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "username"),
        CheckConstraint(
            "role IN ('admin', 'supervisor', 'team_lead', 'agent', 'display')", name="role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    all_teams: Mapped[bool] = mapped_column(default=False)
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), default=None, index=True
    )
    dashboard_id: Mapped[int | None] = mapped_column(default=None)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserTeam(Base):
    """The teams a supervisor (with chosen teams) or a team lead may see."""

    __tablename__ = "user_teams"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class UserSession(Base):
    """A browser login. Only the SHA-256 of the cookie's token is stored; the CSRF token is
    derived from the cookie's token (app.auth.sessions.csrf_token_for), so it is stored nowhere."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)


class UserToken(Base):
    """A personal access token (`fwu_…`) for scripts; only its SHA-256 is stored."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginThrottle(Base):
    """Login attempts per throttle key (a username in a tenant, or a client address), shared by
    every API process through the database. `key_hash` is the SHA-256 of the key, so typed
    usernames (sometimes a password typed in the wrong field) are not stored. `version` makes
    updates compare-and-swap."""

    __tablename__ = "login_throttle"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    version: Mapped[int] = mapped_column(default=0)
