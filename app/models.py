"""Every SQLAlchemy model, imported in one place so Alembic sees the whole schema."""

from app.alerts.models import (
    Alert,
    AlertChannel,
    AlertDelivery,
    AlertDeliveryAttempt,
    AlertEvent,
    AlertRule,
    AlertRuleChannel,
    AlertSilence,
)
from app.auth.models import ApiKey, LoginThrottle, User, UserSession, UserTeam, UserToken
from app.coaching.models import CoachingNoteRow
from app.core.db import Base
from app.dashboards.models import Dashboard
from app.org.models import Agent, Queue, Team, Tenant
from app.phrases.models import PhraseListRow, PhraseSettingsRow
from app.plans.models import PlanRow
from app.reports.models import (
    AgentStateFactRow,
    CallFactRow,
    CsatFactRow,
    DealFactRow,
    FactPruneMark,
)
from app.reports.rollups import KpiRollupRow, KpiRollupZone
from app.shifts.models import ShiftRow

__all__ = [
    "Agent",
    "AgentStateFactRow",
    "Alert",
    "AlertChannel",
    "AlertDelivery",
    "AlertDeliveryAttempt",
    "AlertEvent",
    "AlertRule",
    "AlertRuleChannel",
    "AlertSilence",
    "ApiKey",
    "Base",
    "CallFactRow",
    "CoachingNoteRow",
    "CsatFactRow",
    "Dashboard",
    "DealFactRow",
    "FactPruneMark",
    "KpiRollupRow",
    "KpiRollupZone",
    "LoginThrottle",
    "PhraseListRow",
    "PhraseSettingsRow",
    "PlanRow",
    "Queue",
    "ShiftRow",
    "Team",
    "Tenant",
    "User",
    "UserSession",
    "UserTeam",
    "UserToken",
]
