"""The caller of a request or a WebSocket: who it is, what it may do and what it may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.auth.keys import Scope
from app.auth.policy import Access
from app.auth.roles import Role


class CredentialKind(StrEnum):
    api_key = "api_key"
    """`Authorization: Bearer fw_…`: an integration, tenant-wide."""
    user_token = "user_token"
    """`Authorization: Bearer fwu_…`: a user's personal access token (scripts)."""
    session = "session"
    """The `fw_session` cookie of a browser login."""


@dataclass(frozen=True, slots=True)
class Principal:
    """`tenant_id`: every query of the caller is limited to this tenant.
    `scopes`: what it may do (`ingest` only API keys; `read` every user; `admin` admins).
    `access`: what it may see inside the tenant (teams, agents); ask `access.can_see_*`.
    The user fields are None for API keys; `key_id` is None for users."""

    tenant_id: int
    tenant_name: str
    scopes: frozenset[Scope]
    key_id: int | None = None
    access: Access = field(default_factory=Access.everything)
    kind: CredentialKind = CredentialKind.api_key
    user_id: int | None = None
    username: str | None = None
    role: Role | None = None
    session_id: int | None = None
    token_id: int | None = None
    dashboard_id: int | None = None
    """Display users: the dashboard they show (its widgets decide what they may read)."""

    @property
    def is_user(self) -> bool:
        return self.user_id is not None

    @property
    def reads_wall(self) -> bool:
        """May read live topics and the dashboards it may see: every reader, and displays."""
        return Scope.read in self.scopes or self.role is Role.display

    @property
    def is_display(self) -> bool:
        return self.role is Role.display

    @property
    def is_admin(self) -> bool:
        return Scope.admin in self.scopes

    def describe(self) -> str:
        """For error messages: `API key #3`, `user anna (team_lead)`."""
        if self.user_id is None:
            return f"API key #{self.key_id}"
        return f"user {self.username} ({self.role})"
