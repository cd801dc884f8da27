from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.facts.calendar import FIRST_DATE, LAST_DATE


class PlanIn(BaseModel):
    metric: str = Field(description="a report metric, e.g. `service_level`, `revenue`, `aht`")
    scope: str = Field(
        "tenant", description="`tenant`, `queue:NAME`, `team:NAME` or `agent:ID`", max_length=200
    )
    period: Literal["day", "week", "month"] = Field(
        description="the target holds for each such period"
    )
    start_date: date = Field(
        description="first local date the plan applies to", ge=FIRST_DATE, le=LAST_DATE
    )
    end_date: date = Field(
        description="last local date the plan applies to (inclusive)", ge=FIRST_DATE, le=LAST_DATE
    )
    minimum: float | None = Field(None, description="pessimistic scenario")
    standard: float = Field(description="the plan")
    maximum: float | None = Field(None, description="optimistic scenario")
    note: str | None = Field(None, max_length=200)


class PlanOut(PlanIn):
    id: int


class PlanProgress(BaseModel):
    plan_id: int
    metric: str
    scope: str
    period: str
    period_start: datetime
    period_end: datetime
    elapsed: float = Field(description="share of the period that has passed (0-1)")
    actual: float | int | None
    minimum: float | None
    standard: float
    maximum: float | None
    deviation: float | None = Field(description="actual - standard")
    deviation_pct: float | None = Field(description="deviation / |standard|")
    progress: float | None = Field(
        description="attainment of the standard target, above 1 better than plan: actual / "
        "standard, or standard / actual for metrics where less is better (AHT, ASA, "
        "abandonment, …); null without a value, or at 0 where less is better"
    )
    level: str | None = Field(description="maximum, standard, minimum or below_minimum")
