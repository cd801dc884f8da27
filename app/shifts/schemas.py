from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ShiftIn(BaseModel):
    agent: str = Field(min_length=1, max_length=128, description="the agent id used in events")
    start: datetime = Field(description="ISO 8601; without an offset it is the tenant's local time")
    end: datetime = Field(description="ISO 8601; without an offset it is the tenant's local time")
    break_minutes: int = Field(0, ge=0, description="planned breaks (not productive time)")
    note: str | None = Field(None, max_length=200)


class ShiftOutcomeOut(BaseModel):
    status: Literal["planned", "in_progress", "finished"]
    present: bool = Field(description="logged in at some time during the shift (so far)")
    absent: bool = Field(description="started, and no login during it (so far)")
    late_minutes: float = Field(description="first login after the start; 0 when on time")
    early_leave_minutes: float = Field(description="finished shifts: last logout before the end")
    productive_minutes: float = Field(description="available, ringing, on call or wrap-up")
    adherence: float | None = Field(
        description="finished shifts: productive / (length - planned breaks), at most 1"
    )


class ShiftOut(BaseModel):
    id: int
    agent: str
    team: str | None
    start: datetime
    end: datetime
    break_minutes: int
    note: str | None
    outcome: ShiftOutcomeOut


class ShiftImportResult(BaseModel):
    created: int
    updated: int
