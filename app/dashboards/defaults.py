"""The dashboard a tenant gets when it has none: the floor at a glance, so that a fresh
install (and `make run` with demo traffic) shows a populated wall at once. A team lead gets
one per team of theirs too, holding only what a team lead may see: the floor-wide queue
figures, and the team's agents, sales and alerts (no tile that would say *Not available*)."""

from __future__ import annotations

from typing import Final, Literal

from app.dashboards.schemas import OptionValue, Thresholds, Widget

DEFAULT_NAME: Final = "Floor overview"


def team_dashboard_name(team: str) -> str:
    return f"{team} overview"


def _kpi(
    wid: str,
    x: int,
    metric: str,
    window: str,
    direction: Literal["above", "below"],
    warn: float,
    crit: float,
    kind: Literal["kpi", "gauge"] = "kpi",
    scope: str = "tenant",
) -> Widget:
    return Widget(
        id=wid,
        type=kind,
        x=x,
        y=0,
        w=2,
        h=2,
        metric=metric,
        scope=scope,
        window=window,
        thresholds=Thresholds(direction=direction, warn=warn, crit=crit),
    )


def default_widgets(team: str | None = None) -> list[Widget]:
    """The floor overview; with `team`, the same scoped to that team: its available agents,
    its agent board, its sales leaderboard and its alerts."""
    sl = Thresholds(direction="below", warn=0.8, crit=0.7)
    own: dict[str, OptionValue] = {"team": team} if team else {}
    return [
        _kpi("waiting", 0, "calls_waiting", "live", "above", 3, 6),
        _kpi("longest", 2, "longest_wait", "live", "above", 30, 60),
        _kpi("sl", 4, "service_level", "15m", "below", 0.8, 0.7, kind="gauge"),
        _kpi("asa", 6, "asa", "15m", "above", 20, 40),
        _kpi("abandon", 8, "abandonment_rate", "15m", "above", 0.05, 0.1),
        _kpi(
            "available",
            10,
            "agents_available",
            "live",
            "below",
            3,
            1,
            scope=f"team:{team}" if team else "tenant",
        ),
        Widget(id="queues", type="queue_table", x=0, y=2, w=5, h=3, window="15m", thresholds=sl),
        Widget(id="board", type="agent_board", x=5, y=2, w=7, h=5, options=dict(own)),
        Widget(
            id="sl-trend",
            type="chart",
            x=0,
            y=5,
            w=5,
            h=2,
            metric="service_level",
            window="15m",
            thresholds=sl,
        ),
        Widget(
            id="sales",
            type="leaderboard",
            x=0,
            y=7,
            w=5,
            h=2,
            window="today",
            options={"by": "revenue", "limit": 5, **own},
        ),
        Widget(
            id="alerts",
            type="alerts",
            x=5,
            y=7,
            w=7,
            h=2,
            scope=f"team:{team}" if team else "tenant",
        ),
    ]
