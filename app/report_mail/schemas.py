"""Request and response bodies of `/v1/report-schedules`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.alerts.channels import Address
from app.kpi.rows import GroupBy


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    frequency: Literal["daily", "weekly"] = Field(
        description="`daily`: yesterday's report each day; `weekly`: last week's (Monday to "
        "Sunday) once a week, on `weekday`."
    )
    weekday: int | None = Field(
        None, ge=0, le=6, description="Weekly only: 0 = Monday … 6 = Sunday."
    )
    hour: int = Field(7, ge=0, le=23, description="Local hour of the tenant it is sent at.")
    group_by: GroupBy = Field(GroupBy.tenant, description="Rows of the report (one per day).")
    recipients: list[Address] = Field(min_length=1, max_length=50)
    channel_id: int = Field(
        description="An e-mail alert channel you may manage: its SMTP server and sender."
    )
    team: str | None = Field(
        None,
        description="Only this team's figures (team leads: one of their teams), with "
        "`group_by` `team` or `agent`; null: the whole floor (admins and supervisors of all "
        "teams).",
    )

    @model_validator(mode="after")
    def _team_rows(self) -> ScheduleIn:
        if self.team is not None and self.group_by not in (GroupBy.team, GroupBy.agent):
            raise ValueError(
                "a team's report has team or agent rows (`group_by` `team` or `agent`): the "
                "floor's, a queue's or a pipeline's figures are not the team's"
            )
        return self

    @model_validator(mode="after")
    def _weekday(self) -> ScheduleIn:
        if self.frequency == "weekly" and self.weekday is None:
            raise ValueError("a weekly schedule needs `weekday` (0 = Monday … 6 = Sunday)")
        if self.frequency == "daily" and self.weekday is not None:
            raise ValueError("a daily schedule has no `weekday`")
        return self


class ScheduleOut(BaseModel):
    id: int
    name: str
    frequency: str
    weekday: int | None
    hour: int
    group_by: str
    recipients: list[str]
    channel_id: int
    team: str | None
    last_period: str | None = Field(description="The period last sent: `2026-12-07`, `2026-W49`.")
    last_sent_at: datetime | None
    last_error: str | None = Field(description="Why the last try failed (tried again next minute).")
    created_by: str | None
