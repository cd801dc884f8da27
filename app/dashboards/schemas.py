"""Request and response bodies of `/v1/dashboards`, and the widget configuration they hold.

A dashboard is a grid of GRID_COLUMNS columns; each widget has a position (`x`, `y`, in grid
cells from the top left), a size (`w`, `h`) and what it shows. The browser's edit mode writes
these; the checks here keep a hand-written (API) configuration just as valid.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.dashboards.topics import FUNNEL_PERIODS, METRIC_WINDOWS
from app.registry.metrics import (
    BREAK_REASON_PREFIX,
    DEALS_OPEN_PREFIX,
    DEALS_STALLED_PREFIX,
    LIVE_METRICS,
    is_phrase_metric,
)
from app.registry.scopes import MAX_NAME_LENGTH, parse_scope, scope_forms

GRID_COLUMNS: Final = 12
MAX_ROWS: Final = 48
MAX_WIDGETS: Final = 48
METRICS: Final = LIVE_METRICS
AGENT_STATES: Final = ("available", "ringing", "on_call", "wrapup", "break", "logged_out")

WidgetType = Literal[
    "kpi",
    "gauge",
    "queue_table",
    "agent_board",
    "chart",
    "leaderboard",
    "alerts",
    "agent_stats",
    "callbacks",
    "phrases",
    "stalled_deals",
    "funnel",
]
METRIC_WIDGETS: Final = frozenset({"kpi", "gauge", "chart"})
AGENT_STATS_SORTS: Final = ("name", "state", "in_state", "handled", "aht", "occupancy")
FUNNEL_COUNTS: Final = ("any_path", "in_order")
_WIDGET_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_metric(name: str) -> str:
    if name in METRICS:
        return name
    if name.startswith(BREAK_REASON_PREFIX) and 0 < len(name) - len(BREAK_REASON_PREFIX) <= 64:
        return name
    for prefix in (DEALS_OPEN_PREFIX, DEALS_STALLED_PREFIX):
        if name.startswith(prefix) and 0 < len(name) - len(prefix) <= MAX_NAME_LENGTH:
            return name
    if is_phrase_metric(name):
        return name
    raise ValueError(
        f"unknown metric {name!r}: expected a name of docs/metrics.md (e.g. service_level, "
        f"calls_waiting), `{BREAK_REASON_PREFIX}REASON`, `{DEALS_OPEN_PREFIX}STAGE` or "
        f"`{DEALS_STALLED_PREFIX}STAGE`"
    )


def check_scope(scope: str) -> str:
    """`tenant`, `queue:NAME`, `team:NAME`, `agent:ID` or `pipeline:NAME`, as in the WebSocket
    topics."""
    if parse_scope(scope) is None:
        raise ValueError(f"invalid scope {scope!r}: expected {scope_forms()}")
    return scope


class Thresholds(StrictModel):
    """Colours of a value: green until `warn`, amber from `warn`, red from `crit`. With
    `direction` = `below` lower is worse (service level), with `above` higher is worse
    (calls waiting). Either bound may be left out."""

    direction: Literal["above", "below"] = "above"
    warn: float | None = None
    crit: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.warn is not None and self.crit is not None:
            worse = self.crit >= self.warn if self.direction == "above" else self.crit <= self.warn
            if not worse:
                relation = "at or above" if self.direction == "above" else "at or below"
                raise ValueError(
                    f"`crit` must be {relation} `warn` when direction is {self.direction}"
                )
        return self


OptionValue = str | int | float | bool | list[str] | None


class Widget(StrictModel):
    id: Annotated[str, Field(description="Unique in the dashboard: letters, digits, `_`, `-`.")]
    type: WidgetType
    x: int = Field(0, ge=0, lt=GRID_COLUMNS, description="Column of the left edge (0-11).")
    y: int = Field(0, ge=0, lt=MAX_ROWS, description="Row of the top edge.")
    w: int = Field(3, ge=1, le=GRID_COLUMNS, description="Width in columns.")
    h: int = Field(2, ge=1, le=16, description="Height in rows.")
    title: str = Field("", max_length=100, description="Shown above the widget; empty: a default.")
    metric: str | None = Field(
        None, description="KPI, gauge and chart: the metric (docs/metrics.md)."
    )
    scope: str = Field(
        "tenant",
        description="`tenant`, `queue:NAME`, `team:NAME`, `agent:ID` or `pipeline:NAME` (a "
        "funnel's pipeline).",
    )
    window: str = Field("15m", description="One of " + ", ".join(METRIC_WINDOWS) + ".")
    thresholds: Thresholds | None = None
    options: dict[str, OptionValue] = Field(
        default_factory=dict,
        description="Per type: agent board `team`, `states`; queue table `queues`, `sort`; "
        "leaderboard `by` (`revenue`, `deals`, `deals_won`, `deals_created`, `handled`, "
        "`conversion`), `limit`, `team`, `targets` (true: each agent's `today` figure against "
        "the agent's day plan, standard scenario, with a progress bar; without a plan against "
        "the leader; docs/wall.md); chart `minutes`; "
        "agent stats `team`, `sort` (one of " + ", ".join(AGENT_STATS_SORTS) + "; a leading "
        "`+` sorts ascending; default `in_state`, longest in state first); phrases (script "
        "adherence per agent) `list` (a `required` phrase list), `limit`, `team`; funnel (scope "
        "`tenant` for the `default` pipeline, or `pipeline:NAME`) `period` (one of "
        + ", ".join(FUNNEL_PERIODS)
        + "; default `today`), `count` (`any_path`, deals that entered each stage in the "
        "period, the default; `in_order`, deals created in the period that went through every "
        "stage before), `team` (that team's part of the funnel).",
    )

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _WIDGET_ID.match(value):
            raise ValueError("a widget id has 1-40 letters, digits, `_` or `-`")
        return value

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        return check_scope(value)

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        if value not in METRIC_WINDOWS:
            raise ValueError(
                f"unknown window {value!r}: expected one of {', '.join(METRIC_WINDOWS)}"
            )
        return value

    @field_validator("options")
    @classmethod
    def _options(cls, value: dict[str, OptionValue]) -> dict[str, OptionValue]:
        if len(value) > 20:
            raise ValueError("at most 20 options per widget")
        for key, item in value.items():
            if len(key) > 40 or (isinstance(item, str) and len(item) > 200):
                raise ValueError("option names have at most 40 characters, values 200")
            if isinstance(item, list) and (len(item) > 100 or any(len(i) > 200 for i in item)):
                raise ValueError("an option list has at most 100 values of 200 characters")
        return value

    @model_validator(mode="after")
    def _fits(self) -> Widget:
        if self.x + self.w > GRID_COLUMNS:
            raise ValueError(
                f"widget {self.id!r} does not fit: x + w is {self.x + self.w}, "
                f"the grid has {GRID_COLUMNS} columns"
            )
        if self.y + self.h > MAX_ROWS:
            raise ValueError(f"widget {self.id!r} does not fit: y + h is past row {MAX_ROWS}")
        if self.type in METRIC_WIDGETS:
            if self.metric is None:
                raise ValueError(f"a {self.type} widget needs `metric`")
            check_metric(self.metric)
        elif self.metric is not None:
            check_metric(self.metric)
        if self.type == "agent_stats":
            sort = self.options.get("sort")
            if sort is not None and (
                not isinstance(sort, str) or sort.removeprefix("+") not in AGENT_STATS_SORTS
            ):
                raise ValueError(
                    f"agent stats `sort` must be one of {', '.join(AGENT_STATS_SORTS)} "
                    "(a leading `+` sorts ascending)"
                )
        if self.type == "callbacks" and self.scope.split(":", 1)[0] not in ("tenant", "queue"):
            raise ValueError("a callbacks widget shows the tenant's list or a queue's: scope "
                             "`tenant` or `queue:NAME`")  # fmt: skip
        if self.type == "stalled_deals" and self.scope.split(":", 1)[0] not in (
            "tenant",
            "pipeline",
            "team",
        ):
            raise ValueError("a stalled_deals widget shows the tenant's deals, a pipeline's or a "
                             "team's: scope `tenant`, `pipeline:NAME` or `team:NAME`")  # fmt: skip
        if self.type == "funnel":
            self._check_funnel()
        return self

    def _check_funnel(self) -> None:
        if self.scope.split(":", 1)[0] not in ("tenant", "pipeline"):
            raise ValueError(
                "a funnel widget shows a pipeline: scope `tenant` (the `default` pipeline) or "
                "`pipeline:NAME`; a team's part with option `team`"
            )
        period = self.options.get("period")
        if period is not None and period not in FUNNEL_PERIODS:
            raise ValueError(f"funnel `period` must be one of {', '.join(FUNNEL_PERIODS)}")
        count = self.options.get("count")
        if count is not None and count not in FUNNEL_COUNTS:
            raise ValueError(f"funnel `count` must be one of {', '.join(FUNNEL_COUNTS)}")
        team = self.options.get("team")
        if team is not None and (not isinstance(team, str) or not 0 < len(team) <= MAX_NAME_LENGTH):
            raise ValueError(f"funnel `team` is a team's name (1 to {MAX_NAME_LENGTH} characters)")


Widgets = Annotated[list[Widget], Field(max_length=MAX_WIDGETS)]


def check_widget_ids(widgets: list[Widget]) -> list[Widget]:
    seen: set[str] = set()
    for widget in widgets:
        if widget.id in seen:
            raise ValueError(f"widget id {widget.id!r} is used twice")
        seen.add(widget.id)
    return widgets


DashboardName = Annotated[str, Field(min_length=1, max_length=100)]


MIN_ROTATE_S: Final = 10
MAX_ROTATE_S: Final = 3600
MAX_ROTATION: Final = 20


class Rotation(StrictModel):
    """A wall showing this dashboard (wall mode, or a display link to it) cycles through it
    and `dashboards`, `every_s` seconds each."""

    dashboards: list[int] = Field(
        min_length=1,
        max_length=MAX_ROTATION,
        description="The other dashboards, in order. Each is shared with the whole tenant or "
        "with this dashboard's team, so every viewer of this one may see them; a display link "
        "to this dashboard shows them too.",
    )
    every_s: int = Field(30, ge=MIN_ROTATE_S, le=MAX_ROTATE_S, description="Seconds per dashboard.")

    @field_validator("dashboards")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("a dashboard is in the rotation once")
        return value


class DashboardIn(StrictModel):
    name: DashboardName
    team: str | None = Field(
        None,
        max_length=MAX_NAME_LENGTH,
        description="Share with this team only (its people and admins); null: the whole tenant.",
    )
    widgets: Widgets = []
    rotation: Rotation | None = Field(
        None, description="Cycle through other dashboards on a wall; null: show this one only."
    )
    celebrate_wins: bool = Field(
        False,
        description="Show each deal won on this dashboard's wall for a few seconds (the "
        "owner's name and the amount). A dashboard shared with a team celebrates only that "
        "team's wins; one shared with everyone, every win.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a dashboard name is not only white space")
        return value

    @field_validator("widgets")
    @classmethod
    def _unique(cls, value: list[Widget]) -> list[Widget]:
        return check_widget_ids(value)


class DashboardUpdate(DashboardIn):
    version: int = Field(
        description="The `version` this change was made on; a dashboard changed since is "
        "refused with 409 (reload and edit again)."
    )


class DashboardOut(BaseModel):
    id: int
    name: str
    team: str | None = Field(description="The team it is shared with; null: the whole tenant.")
    widgets: list[Widget]
    version: int
    rotation: Rotation | None = None
    celebrate_wins: bool = False
    can_edit: bool = Field(description="Whether the caller may change or delete it.")
    created_by: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime


class QueueServiceLevel(BaseModel):
    """A queue's service-level goal: `target` of the calls answered within `threshold_s`."""

    target: float = Field(description="Fraction, 0.8 = 80 %.")
    threshold_s: float


class WallOptions(BaseModel):
    """What the editor offers: the tenant's queues, (visible) teams, pipelines, metrics and
    windows."""

    queues: list[str]
    teams: list[str]
    pipelines: list[str] = Field(
        default_factory=list,
        description="The tenant's sales pipelines: `default` and every pipeline with a stall "
        "limit (`/v1/pipeline/stall-limits`), sorted; the editor offers them as `pipeline:NAME` "
        "scopes and as the funnel widget's pipeline. Others can be set through the API.",
    )
    metrics: list[str]
    windows: list[str]
    agent_states: list[str]
    grid_columns: int
    service_levels: dict[str, QueueServiceLevel] = Field(
        default_factory=dict,
        description="Per queue name, its service-level target and threshold (queue "
        "administration): the wall's default service-level thresholds and gauge targets for "
        "that queue, and for the whole floor when every queue has the same target.",
    )


class DisplayLinkIn(StrictModel):
    name: str = Field(
        "Wall display", min_length=1, max_length=100, description="Where the TV hangs."
    )


class DisplayLinkOut(BaseModel):
    id: int = Field(description="The display user's id (delete it to revoke the link).")
    name: str
    created_at: datetime
    last_used_at: datetime | None


class DisplayLinkListed(DisplayLinkOut):
    dashboard_id: int
    dashboard: str = Field(description="The dashboard's name.")


class DisplayLinkCreated(DisplayLinkOut):
    token: str = Field(description="Shown once: the read-only token of this display.")
    path: str = Field(
        description="Open `<server><path>` on the TV. The token is in the URL fragment, which "
        "browsers never send to the server (so it stays out of access logs)."
    )
