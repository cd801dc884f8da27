"""The call-back list as the API shows it (`/v1/callbacks`)."""

from __future__ import annotations

from datetime import date as date_
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["open", "returned_by_us", "called_again", "expired", "dismissed"]
StatusFilter = Literal["open", "returned_by_us", "called_again", "expired", "dismissed", "all"]


class CallbackOut(BaseModel):
    id: int = Field(description="The entry's id (1, 2, … per tenant); dismiss it by this id.")
    number: str = Field(
        description="The caller's number: whole (`+48601234567`) for supervisors, admins, API "
        "keys and team leads of the queue's teams; masked (`+48 ••• ••• 567`) for everyone else."
    )
    masked: bool = Field(description="true: `number` is masked for this caller.")
    queue: str | None = Field(description="The queue of the latest miss.")
    status: Status
    first_missed_ms: int = Field(description="First miss, epoch ms (aggregator time).")
    last_missed_ms: int = Field(description="Latest miss, epoch ms; expiry counts from it.")
    misses: int = Field(description="Calls from the number that went unanswered.")
    attempts: int = Field(description="Outbound calls to the number that did not connect.")
    closed_ms: int | None = Field(description="When it left the list; null while open.")
    reason: str | None = Field(description="Why a supervisor dismissed it.")
    time_to_callback_s: float | None = Field(
        description="`returned_by_us`: seconds from the latest miss to the connecting call."
    )


class CallbackPage(BaseModel):
    at_ms: int = Field(description="The time the list is for (aggregator time).")
    counts: dict[str, int] = Field(
        description="Entries by status (the queue filter applied, the status filter not): "
        "open now, and closed in the last 24 hours."
    )
    items: list[CallbackOut] = Field(description="Oldest first miss first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null: this was the last page."
    )


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


Reason = Annotated[str, Field(min_length=1, max_length=200)]


class DismissIn(StrictModel):
    reason: Reason = Field(description="Why no call-back is needed (wrong number, spam, …).")


class CallbackReportDay(BaseModel):
    date: date_ = Field(description="Local date of the callers' first miss.")
    missed_callers: int = Field(description="Callers whose first miss fell on this day.")
    returned_by_us: int = Field(description="… of them called back (the outbound call connected).")
    called_again: int = Field(description="… who called again and were answered.")
    expired: int = Field(description="… whom nobody reached in time.")
    dismissed: int = Field(description="… taken off the list by a supervisor.")
    still_open: int = Field(description="… still on the list now.")
    callback_rate: float | None = Field(
        description="returned_by_us / (missed_callers - dismissed): of the day's missed "
        "callers who needed a call-back, the share called back so far (the registry's "
        "`callback_rate` over this day); null: none."
    )
    time_to_callback_s: float | None = Field(
        description="Mean seconds from the last miss to the connecting call-back."
    )


class CallbackReport(BaseModel):
    timezone: str = Field(description="The tenant's time zone the days are cut in.")
    queue: str | None = Field(description="The queue filter; null: every queue.")
    days: list[CallbackReportDay]
