"""The dashboard a tenant gets when it has none: the floor at a glance, so that a fresh
install (and `make run` with demo traffic) shows a populated wall at once."""

from __future__ import annotations

from typing import Final, Literal

from app.dashboards.schemas import Thresholds, Widget

DEFAULT_NAME: Final = "Floor overview"


def _kpi(
    wid: str,
    x: int,
    metric: str,
    window: str,
    direction: Literal["above", "below"],
    warn: float,
    crit: float,
    kind: Literal["kpi", "gauge"] = "kpi",
) -> Widget:
    return Widget(
        id=wid,
        type=kind,
        x=x,
        y=0,
        w=2,
        h=2,
        metric=metric,
        window=window,
        thresholds=Thresholds(direction=direction, warn=warn, crit=crit),
    )


def default_widgets() -> list[Widget]:
    sl = Thresholds(direction="below", warn=0.8, crit=0.7)
    return [
        _kpi("waiting", 0, "calls_waiting", "live", "above", 3, 6),
        _kpi("longest", 2, "longest_wait", "live", "above", 30, 60),
        _kpi("sl", 4, "service_level", "15m", "below", 0.8, 0.7, kind="gauge"),
        _kpi("asa", 6, "asa", "15m", "above", 20, 40),
        _kpi("abandon", 8, "abandonment_rate", "15m", "above", 0.05, 0.1),
        _kpi("available", 10, "agents_available", "live", "below", 3, 1),
        Widget(id="queues", type="queue_table", x=0, y=2, w=5, h=3, window="15m", thresholds=sl),
        Widget(id="board", type="agent_board", x=5, y=2, w=7, h=5, options={}),
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
            options={"by": "revenue", "limit": 5},
        ),
        Widget(id="alerts", type="alerts", x=5, y=7, w=7, h=2),
    ]
