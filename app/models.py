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
from app.facts.models import (
    AgentStateFactRow,
    CallFactRow,
    CsatFactRow,
    DealFactRow,
    FactPruneMark,
    PhraseFactRow,
    PipelineFactRow,
)
from app.facts.phrase_rollups import PhraseRollupRow
from app.facts.rollups import KpiRollupRow, KpiRollupZone
from app.integrations.models import CrmSettingsRow
from app.messages.models import FloorMessage
from app.phrases.models import PhraseListRow, PhraseSettingsRow
from app.pipeline.models import StallLimitRow
from app.plans.models import PlanRow
from app.report_mail.models import ReportSchedule
from app.shifts.models import ShiftRow
from app.tenancy.models import Agent, Dashboard, Queue, Team, Tenant

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
    "CrmSettingsRow",
    "CsatFactRow",
    "Dashboard",
    "DealFactRow",
    "FactPruneMark",
    "FloorMessage",
    "KpiRollupRow",
    "KpiRollupZone",
    "LoginThrottle",
    "PhraseFactRow",
    "PhraseListRow",
    "PhraseRollupRow",
    "PhraseSettingsRow",
    "PipelineFactRow",
    "PlanRow",
    "Queue",
    "ReportSchedule",
    "ShiftRow",
    "StallLimitRow",
    "Team",
    "Tenant",
    "User",
    "UserSession",
    "UserTeam",
    "UserToken",
]
