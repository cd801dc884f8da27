"""Request and response bodies of `/v1/tenant`, `/v1/teams`, `/v1/agents` (the roster) and
`/v1/queues`."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

SL_THRESHOLD_RANGE = (1.0, 3600.0)
SHORT_ABANDON_RANGE = (0.0, 600.0)
WRAPUP_RANGE = (0.0, 3600.0)
NULLABLE_QUEUE_FIELDS = frozenset({"wrapup_s"})
"""Queue fields for which an explicit null in a PATCH is a value, not "unchanged"."""


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

SlTarget = Annotated[
    float,
    Field(
        gt=0,
        le=1,
        description="Service-level target: the share of calls (a fraction, 0.8 = 80 %) to "
        "answer within `sl_threshold_s`; with 20 s that is 80/20. The wall's service-level "
        "gauges mark it and colour the queue amber below it, red 10 points below it.",
    ),
]

WrapupLimit = Annotated[
    float | None,
    Field(
        ge=WRAPUP_RANGE[0],
        le=WRAPUP_RANGE[1],
        description="Wrap-up after a call of this queue. null: until the platform ends it "
        "(`call.wrapup_ended`) or the agent's next activity, for platforms that log wrap-up; "
        "0: no wrap-up; N: as null, but the wrap-up ends by itself N seconds after the call "
        "ended, for platforms that hold agents back for a fixed time without logging it "
        f"(Asterisk's `wrapuptime`; {WRAPUP_RANGE[0]:g}-{WRAPUP_RANGE[1]:g}). See docs/metrics.md.",
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


class QueueBody(StrictModel):
    @model_validator(mode="before")
    @classmethod
    def refuse_wrapup_flag(cls, data: Any) -> Any:
        """The on/off `wrapup` flag was replaced by `wrapup_s`: say so, not "extra input"."""
        if isinstance(data, dict) and "wrapup" in data:
            raise ValueError(
                "`wrapup` (on/off) was replaced by `wrapup_s`: null = until the platform ends "
                "it (was true), 0 = no wrap-up (was false), N = ends by itself after N seconds"
            )
        return data


class QueueCreate(QueueBody):
    name: Name = Field(description="The queue name as the events name it (`queue`).")
    sl_threshold_s: SlThreshold = 20.0
    short_abandon_s: ShortAbandon = 5.0
    wrapup_s: WrapupLimit = None
    sl_target: SlTarget = 0.8


class QueueUpdate(QueueBody):
    """Only the fields given change (`wrapup_s: null` sets "until the platform ends it")."""

    name: Name | None = None
    sl_threshold_s: SlThreshold | None = None
    short_abandon_s: ShortAbandon | None = None
    wrapup_s: WrapupLimit = None
    sl_target: SlTarget | None = None


class QueueOut(BaseModel):
    id: int
    name: str
    sl_threshold_s: float
    short_abandon_s: float
    wrapup_s: float | None = Field(
        description="null: wrap-up until the platform ends it; 0: none; N: at most N seconds."
    )
    sl_target: float = Field(
        description="Service-level target (fraction) within `sl_threshold_s`: 0.8 with 20 s "
        "is 80/20."
    )


Language = Literal["en", "pl"]
Currency = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code in capitals, e.g. EUR, PLN, USD."),
]


CountryCode = Annotated[
    str,
    Field(pattern=r"^[1-9][0-9]{0,2}$", description="E.164 calling code without +, e.g. 48."),
]


class TenantOut(BaseModel):
    name: str
    timezone: str = Field(description="IANA time zone of `today` and the reports.")
    language: Language = Field(description="The language of alert notifications.")
    currency: str | None = Field(description="Revenue is shown in it; null: no currency sign.")
    country_code: str | None = Field(
        None, description="Calling code given to national caller numbers; null: none."
    )


class TenantUpdate(StrictModel):
    language: Language | None = Field(None, description="Omitted: unchanged.")
    currency: Currency | None = Field(
        None, description="Omitted: unchanged; `null` clears it (amounts without a sign)."
    )
    country_code: CountryCode | None = Field(
        None,
        description="Omitted: unchanged; `null` clears it. National caller numbers (no `+` or "
        "`00`) get this calling code on the call-back list, their leading 0 dropped.",
    )
