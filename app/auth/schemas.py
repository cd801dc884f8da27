"""Request and response bodies of the auth, user and API-key routes (they make the OpenAPI
documentation, so every field says what it means)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.auth.keys import Scope
from app.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.auth.principal import CredentialKind
from app.auth.roles import Role
from app.auth.users import UserView


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


Timestamp = Annotated[datetime, AfterValidator(_utc)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(StrictModel):
    tenant: str = Field("default", max_length=100, description="The tenant's name.")
    username: str = Field(min_length=1, max_length=100, description="Case-insensitive.")
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class UserOut(BaseModel):
    id: int
    username: str = Field(description="Lower-case, unique in the tenant.")
    display_name: str
    role: Role = Field(description="`admin`, `supervisor`, `team_lead`, `agent` or `display`.")
    all_teams: bool = Field(description="Supervisors: sees every team.")
    teams: list[str] = Field(
        description="Supervisors (without `all_teams`) and team leads: the teams this user sees."
    )
    agent: str | None = Field(description="Agent users: the agent id (as in events) they are.")
    dashboard_id: int | None = Field(description="Display users: the dashboard they show.")
    disabled: bool = Field(description="A disabled user cannot log in; its sessions ended.")
    created_at: Timestamp
    password_changed_at: Timestamp

    @classmethod
    def of(cls, view: UserView) -> UserOut:
        user = view.user
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=view.role,
            all_teams=user.all_teams,
            teams=view.teams,
            agent=view.agent,
            dashboard_id=user.dashboard_id,
            disabled=user.disabled,
            created_at=user.created_at,
            password_changed_at=user.password_changed_at,
        )


class LoginResponse(BaseModel):
    user: UserOut
    csrf_token: str = Field(
        description="Send it as the `X-CSRF-Token` header with every POST, PUT, PATCH and "
        "DELETE made with the session cookie."
    )
    expires_at: Timestamp = Field(
        description="When the session ends unless used (each use extends it)."
    )


class AccessOut(BaseModel):
    all_teams: bool = Field(description="Sees every team and agent.")
    teams: list[str] = Field(description="Otherwise: the teams (and their agents) it sees.")
    only_agent: str | None = Field(description="Agent users: the one agent it sees.")


class MeResponse(BaseModel):
    user: UserOut
    tenant: str
    scopes: list[Scope] = Field(description="`read`, and `admin` for admins.")
    access: AccessOut = Field(
        description="What the user sees; queues and the tenant total are visible to every role."
    )
    auth: CredentialKind = Field(description="How this request was authenticated.")
    csrf_token: str | None = Field(
        description="With the session cookie: the token for `X-CSRF-Token`; else null."
    )


class SessionState(BaseModel):
    me: MeResponse | None = Field(
        description="The signed-in user as `GET /v1/auth/me` answers it; null when the request "
        "carries no valid user credential (no cookie, an ended session, an API key)."
    )


class PasswordChange(StrictModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description=f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
    )


class TokenCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100, description="What the token is for.")
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days until the token stops working; null: never."
    )


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: Timestamp
    expires_at: Timestamp | None
    last_used_at: Timestamp | None = Field(description="Updated at most once a minute.")


class TokenCreated(TokenOut):
    token: str = Field(
        description="The token (`fwu_…`), shown only now: send it as "
        "`Authorization: Bearer <token>`. Only its hash is stored."
    )


class UserCreate(StrictModel):
    username: str = Field(min_length=1, max_length=100, description="Stored lower-case.")
    password: str = Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description=f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
    )
    role: Role
    display_name: str = Field("", max_length=200)
    all_teams: bool = Field(False, description="Supervisors only: see every team.")
    teams: list[str] = Field(
        [], max_length=500, description="Team names (supervisors without `all_teams`, team leads)."
    )
    agent: str | None = Field(
        None, max_length=128, description="Agent users: the agent id (as in events)."
    )
    dashboard_id: int | None = Field(None, description="Display users: the dashboard to show.")


class UserUpdate(StrictModel):
    """Only the fields given change. `role`, `all_teams`, `teams`, `agent` and `dashboard_id`
    are checked together against the role's rules."""

    display_name: str | None = Field(None, max_length=200)
    role: Role | None = None
    all_teams: bool | None = None
    teams: list[str] | None = Field(None, max_length=500)
    agent: str | None = Field(None, max_length=128)
    dashboard_id: int | None = None
    disabled: bool | None = Field(None, description="Disabling ends every session of the user.")
    password: str | None = Field(
        None,
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="Set a new password; ends every session of the user.",
    )


class ApiKeyCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100, description="What the key is for.")
    scopes: list[Scope] = Field(
        min_length=1,
        description="`ingest` (post events), `read` (metrics, board, organisation), "
        "`admin` (manage users, teams, agents, queues and keys).",
    )


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    scopes: list[Scope]
    created_at: Timestamp
    revoked_at: Timestamp | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(
        description="The key (`fw_…`), shown only now: send it as `Authorization: Bearer "
        "<key>`. Only its hash is stored."
    )
