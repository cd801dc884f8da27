"""Request and response bodies of `/v1/tenant`, `/v1/teams`, `/v1/agents` (the roster) and
`/v1/queues`."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SL_THRESHOLD_RANGE = (1.0, 3600.0)
SHORT_ABANDON_RANGE = (0.0, 600.0)


def check_name(value: str) -> str:
    """A name as it appears in events and topics: no control characters, no surrounding
    white space."""
    if value != value.strip():
        raise ValueError("no white space at the start or end")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("no control characters")
    return value


Name = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(check_name)]
SlThreshold = Annotated[
    float,
    Field(
        ge=SL_THRESHOLD_RANGE[0],
        le=SL_THRESHOLD_RANGE[1],
        description="Service level: answered within this many seconds counts as in time "
        f"({SL_THRESHOLD_RANGE[0]:g}-{SL_THRESHOLD_RANGE[1]:g}).",
    ),
]
ShortAbandon = Annotated[
    float,
    Field(
        ge=SHORT_ABANDON_RANGE[0],
        le=SHORT_ABANDON_RANGE[1],
        description="An abandon after less than this many seconds of waiting is a short "
        f"abandon, left out of service level and abandonment rate "
        f"({SHORT_ABANDON_RANGE[0]:g}-{SHORT_ABANDON_RANGE[1]:g}; 0: none).",
    ),
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TeamIn(StrictModel):
    name: Name = Field(description="Unique in the tenant; as agents' teams appear in scopes.")


class TeamOut(BaseModel):
    id: int
    name: str
    agents: int = Field(description="Agents in the team.")


class AgentCreate(StrictModel):
    external_id: Name = Field(description="The agent id as the events name it (`agent`).")
    display_name: str | None = Field(None, max_length=200, description="Shown on the board.")
    team: Name | None = Field(None, description="The team's name; null: no team.")


class AgentUpdate(StrictModel):
    """Only the fields given change; `team: null` takes the agent out of its team."""

    external_id: Name | None = None
    display_name: str | None = Field(None, max_length=200)
    team: Name | None = None


class AgentOut(BaseModel):
    id: int
    external_id: str
    display_name: str | None
    team: str | None


class QueueCreate(StrictModel):
    name: Name = Field(description="The queue name as the events name it (`queue`).")
    sl_threshold_s: SlThreshold = 20.0
    short_abandon_s: ShortAbandon = 5.0
    wrapup: bool = Field(True, description="Agents go to wrap-up after a call of this queue.")


class QueueUpdate(StrictModel):
    """Only the fields given change."""

    name: Name | None = None
    sl_threshold_s: SlThreshold | None = None
    short_abandon_s: ShortAbandon | None = None
    wrapup: bool | None = None


class QueueOut(BaseModel):
    id: int
    name: str
    sl_threshold_s: float
    short_abandon_s: float
    wrapup: bool


Language = Literal["en", "pl"]
Currency = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code in capitals, e.g. EUR, PLN, USD."),
]


class TenantOut(BaseModel):
    name: str
    timezone: str = Field(description="IANA time zone of `today` and the reports.")
    language: Language = Field(description="The language of alert notifications.")
    currency: str | None = Field(description="Revenue is shown in it; null: no currency sign.")


class TenantUpdate(StrictModel):
    language: Language | None = Field(None, description="Omitted: unchanged.")
    currency: Currency | None = Field(
        None, description="Omitted: unchanged; `null` clears it (amounts without a sign)."
    )
