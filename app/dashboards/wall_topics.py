"""The live topics a dashboard's wall subscribes to, derived on the server from its widgets.

This mirrors, in one place, how the wall display names its topics: each widget's `topics()` in
frontend/src/widgets/*.ts (with `metricTopic` and `dealsTopic`), and the page's own topics for
the dashboard on screen (core/dashboard-sync.ts: its layout versions; ui/fw-floor-ticker.ts:
messages to the floor; ui/fw-win-celebration.ts: deals won). A display link may subscribe to
exactly these topics of its dashboard and of the dashboards of its rotation (the hub's
`DisplayGrants`), and read the history of exactly the series its charts draw.
tests/dashboards/test_wall_topics.py holds the derivation per widget type;
tests/frontend/test_browser_display_topics.py holds it to what the browser really subscribes.

Two parts of a wall are known only from live data, so they are granted as families:
- a queue table without chosen queues shows every queue of the tenant (`metrics:queue:*:W`);
- a leaderboard, agent stats and the script-adherence table show every agent of their board
  (`metrics:agent:*:W` for the floor's board, or for the agents of one team).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.dashboards.schemas import Widget
from app.dashboards.topics import FUNNEL_PERIODS, Topic, TopicKind
from app.streams.aggregator.pipeline import DEFAULT_PIPELINE

TENANT = "tenant"
TARGETS_WINDOW = "today"
"""The window of a leaderboard that shows targets (`TARGET_WINDOW` in fw-leaderboard.ts)."""

HistorySeries = tuple[str, str, str]
"""(metric, scope, window) of a chart."""


@dataclass(frozen=True, slots=True)
class AgentFamily:
    """`metrics:agent:ID:WINDOW` for every agent of a board: the floor's (`team` None) or one
    team's (the agent's team in the roster, as the board places it)."""

    window: str
    team: str | None = None


@dataclass(frozen=True, slots=True)
class WallTopics:
    exact: frozenset[str] = frozenset()
    every_queue: frozenset[str] = frozenset()
    """Windows of `metrics:queue:NAME:WINDOW` granted for every queue."""
    agents: frozenset[AgentFamily] = frozenset()
    history: frozenset[HistorySeries] = frozenset()

    def __or__(self, other: WallTopics) -> WallTopics:
        return WallTopics(
            self.exact | other.exact,
            self.every_queue | other.every_queue,
            self.agents | other.agents,
            self.history | other.history,
        )

    @property
    def needs_agent_teams(self) -> bool:
        """Whether `allows` needs the agents' teams (a team's per-agent figures)."""
        return any(family.team is not None for family in self.agents)

    def allows(self, topic: Topic, agent_teams: Mapping[str, str]) -> bool:
        if topic.name in self.exact:
            return True
        if topic.kind is not TopicKind.metrics or topic.window is None:
            return False
        if topic.scope_kind == "queue":
            return topic.window in self.every_queue
        if topic.scope_kind == "agent":
            team = agent_teams.get(topic.scope_name)
            return any(
                family.window == topic.window and family.team in (None, team)
                for family in self.agents
            )
        return False

    def allows_history(self, metric: str, scope: str, window: str) -> bool:
        return (metric, scope, window) in self.history


@dataclass(frozen=True, slots=True)
class WallDashboard:
    """What of a dashboard decides its wall's topics."""

    team: str | None
    widgets: list[Widget] = field(default_factory=list)
    celebrate_wins: bool = False


def metric_topic(scope: str, window: str) -> str:
    return f"metrics:{scope}:{window}"


def _option_team(widget: Widget) -> str | None:
    team = widget.options.get("team")
    return team if isinstance(team, str) and team else None


def funnel_topic(widget: Widget) -> str:
    """`funnelTopic` of frontend/src/widgets/fw-funnel.ts."""
    pipeline = (
        widget.scope.removeprefix("pipeline:")
        if widget.scope.startswith("pipeline:")
        else DEFAULT_PIPELINE
    )
    period = widget.options.get("period")
    if period not in FUNNEL_PERIODS:
        period = "today"
    team = _option_team(widget)
    return f"funnel:{f'team:{team}:' if team else ''}pipeline:{pipeline}:{period}"


def _board_topic(team: str | None) -> str:
    return f"board:team:{team}" if team else "board:tenant"


def _scoped(kind: str, scope: str, kinds: tuple[str, ...]) -> str:
    """`KIND:SCOPE` when the scope is of one of `kinds`, else the tenant's."""
    return f"{kind}:{scope}" if scope.partition(":")[0] in kinds else f"{kind}:{TENANT}"


def widget_topics(widget: Widget) -> WallTopics:
    """The topics one widget subscribes to (its `topics()` in frontend/src/widgets)."""
    kind = widget.type
    if kind in ("kpi", "gauge"):
        return WallTopics(exact=frozenset({metric_topic(widget.scope, widget.window)}))
    if kind == "chart":
        series = (widget.metric or "", widget.scope, widget.window)
        return WallTopics(
            exact=frozenset({metric_topic(widget.scope, widget.window)}),
            history=frozenset({series}),
        )
    if kind == "queue_table":
        chosen = widget.options.get("queues")
        if isinstance(chosen, list) and chosen:
            return WallTopics(
                exact=frozenset(metric_topic(f"queue:{q}", widget.window) for q in chosen)
            )
        return WallTopics(every_queue=frozenset({widget.window}))
    if kind == "agent_board":
        return WallTopics(exact=frozenset({_board_topic(_option_team(widget))}))
    if kind in ("leaderboard", "agent_stats", "phrases"):
        team = _option_team(widget)
        exact = {_board_topic(team)}
        if kind == "phrases":
            exact.add(f"phrases:team:{team}" if team else f"phrases:{TENANT}")
        shows_targets = widget.options.get("targets") is True and widget.window == TARGETS_WINDOW
        if kind == "leaderboard" and shows_targets:  # day plans: only a `today` board reads them
            exact.add(f"targets:team:{team}" if team else f"targets:{TENANT}")
        return WallTopics(
            exact=frozenset(exact), agents=frozenset({AgentFamily(widget.window, team)})
        )
    if kind == "alerts":
        return WallTopics(exact=frozenset({_scoped("alerts", widget.scope, ("queue", "team"))}))
    if kind == "callbacks":
        return WallTopics(exact=frozenset({_scoped("callbacks", widget.scope, ("queue",))}))
    if kind == "stalled_deals":
        return WallTopics(exact=frozenset({_scoped("deals", widget.scope, ("pipeline", "team"))}))
    if kind == "funnel":
        return WallTopics(exact=frozenset({funnel_topic(widget)}))
    raise ValueError(f"no topics known for widget type {kind!r}")  # a new type: add it here


def page_topics(dashboard: WallDashboard) -> WallTopics:
    """The topics the page subscribes to for the dashboard on screen, besides its widgets:
    its layout versions, the messages to its walls and, when it celebrates, its deals won."""
    team = dashboard.team
    exact = {f"dashboards:team:{team}" if team else f"dashboards:{TENANT}", f"messages:{TENANT}"}
    if team:
        exact.add(f"messages:team:{team}")
    if dashboard.celebrate_wins:
        exact.add(f"deals:team:{team}" if team else f"deals:{TENANT}")
    return WallTopics(exact=frozenset(exact))


def dashboard_topics(dashboard: WallDashboard) -> WallTopics:
    topics = page_topics(dashboard)
    for widget in dashboard.widgets:
        topics |= widget_topics(widget)
    return topics


def wall_topics(dashboards: Iterable[WallDashboard]) -> WallTopics:
    """The topics of a wall that shows these dashboards (one, or a rotation)."""
    topics = WallTopics()
    for dashboard in dashboards:
        topics |= dashboard_topics(dashboard)
    return topics
