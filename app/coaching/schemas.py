from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

Kind = Literal["coaching", "mentoring"]


class CoachingIn(BaseModel):
    agent: str = Field(min_length=1, max_length=128, description="the agent id used in events")
    date: dt.date = Field(
        description="the local date of the session",
        ge=dt.date(1970, 4, 5),  # so that 92 days before and after stay reportable
        le=dt.date(9998, 9, 30),
    )
    kind: Kind = "coaching"
    topic: str = Field(min_length=1, max_length=200)
    notes: str = Field("", max_length=20_000)
    author: str | None = Field(
        None,
        max_length=200,
        description="API keys only: who held the session (a user is always the author)",
    )
    call_ids: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        [],
        max_length=20,
        description="Calls that show the problem (the `call_id` of their events, as listed "
        "with the phrase hits of `GET /v1/phrase-hits`); at most 20, none twice.",
    )

    @field_validator("call_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a call is linked twice")
        return value


class LinkedHit(BaseModel):
    at: dt.datetime = Field(description="when the segment was applied (aggregator time)")
    list: str
    kind: Literal["required", "banned", "signal"]
    phrase: str
    role: Literal["agent", "customer"]
    text: str | None = Field(
        description="the segment: for admins, supervisors and team leads only, and only while "
        "the tenant keeps it (`GET /v1/phrase-hits` still has it); otherwise null"
    )


class LinkedCall(BaseModel):
    call_id: str
    hits: list[LinkedHit] = Field(
        description="its phrase hits, as known when the call was linked (and since)"
    )


class CoachingOut(BaseModel):
    id: int
    agent: str
    date: dt.date
    kind: Kind
    topic: str
    notes: str
    author: str
    call_ids: list[str] = Field(description="the calls linked to the session")
    calls: list[LinkedCall] = Field(
        [], description="the linked calls with their phrase hits, in the order of `call_ids`"
    )


class KpiWindow(BaseModel):
    first: dt.date = Field(description="first local date (inclusive)")
    last: dt.date = Field(description="last local date (inclusive)")
    complete: bool = Field(description="false while the window reaches past today")
    metrics: dict[str, float | int | None]


class CoachingImpact(BaseModel):
    note: CoachingOut
    days: int
    before: KpiWindow = Field(description="the `days` days before the session")
    after: KpiWindow = Field(description="the `days` days after the session (so far)")
    change: dict[str, float | None] = Field(description="after - before, per metric")
