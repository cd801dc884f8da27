"""Every SQLAlchemy model, imported in one place so Alembic sees the whole schema."""

from app.auth.models import ApiKey, LoginThrottle, User, UserSession, UserTeam, UserToken
from app.core.db import Base
from app.org.models import Agent, Queue, Team, Tenant
from app.reports.models import AgentStateFactRow, CallFactRow, CsatFactRow, DealFactRow

__all__ = [
    "Agent",
    "AgentStateFactRow",
    "ApiKey",
    "Base",
    "CallFactRow",
    "CsatFactRow",
    "DealFactRow",
    "LoginThrottle",
    "Queue",
    "Team",
    "Tenant",
    "User",
    "UserSession",
    "UserTeam",
    "UserToken",
]
