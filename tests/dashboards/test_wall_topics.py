"""The server's copy of the wall's topic names (app/dashboards/wall_topics.py), widget type by
widget type, as frontend/src/widgets/*.ts names them; and what a grant lets through.
tests/frontend/test_browser_display_topics.py holds it to what Chromium really subscribes."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from app.dashboards.schemas import Widget, WidgetType
from app.dashboards.topics import parse_topic
from app.dashboards.wall_topics import (
    AgentFamily,
    WallDashboard,
    WallTopics,
    page_topics,
    wall_topics,
    widget_topics,
)


def widget(type_: str, **fields: Any) -> Widget:
    if type_ in ("kpi", "gauge", "chart"):
        fields.setdefault("metric", "calls_waiting")
    return Widget.model_validate({"id": "w", "type": type_, **fields})


def exact(*names: str) -> WallTopics:
    return WallTopics(exact=frozenset(names))


CASES: list[tuple[str, dict[str, Any], WallTopics]] = [
    ("kpi", {"scope": "queue:Sales", "window": "5m"}, exact("metrics:queue:Sales:5m")),
    ("kpi", {"scope": "agent:a:1", "window": "today"}, exact("metrics:agent:a:1:today")),
    ("gauge", {"metric": "service_level"}, exact("metrics:tenant:15m")),
    ("gauge", {"scope": "pipeline:b2b", "window": "60m"}, exact("metrics:pipeline:b2b:60m")),
    (
        "chart",
        {"metric": "service_level", "scope": "team:North", "window": "5m"},
        WallTopics(
            exact=frozenset({"metrics:team:North:5m"}),
            history=frozenset({("service_level", "team:North", "5m")}),
        ),
    ),
    (
        "queue_table",
        {"window": "60m", "options": {"queues": ["Sales", "Care"]}},
        exact("metrics:queue:Sales:60m", "metrics:queue:Care:60m"),
    ),
    ("queue_table", {"window": "live"}, WallTopics(every_queue=frozenset({"live"}))),
    ("queue_table", {"options": {"queues": []}}, WallTopics(every_queue=frozenset({"15m"}))),
    ("agent_board", {}, exact("board:tenant")),
    ("agent_board", {"scope": "team:South"}, exact("board:tenant")),  # the option decides
    ("agent_board", {"options": {"team": "North"}}, exact("board:team:North")),
    ("agent_board", {"options": {"team": ""}}, exact("board:tenant")),
    (
        "leaderboard",
        {"window": "today"},
        WallTopics(exact=frozenset({"board:tenant"}), agents=frozenset({AgentFamily("today")})),
    ),
    (
        "agent_stats",
        {"options": {"team": "North"}},
        WallTopics(
            exact=frozenset({"board:team:North"}),
            agents=frozenset({AgentFamily("15m", "North")}),
        ),
    ),
    (
        "phrases",
        {"window": "today", "options": {"team": "North"}},
        WallTopics(
            exact=frozenset({"board:team:North", "phrases:team:North"}),
            agents=frozenset({AgentFamily("today", "North")}),
        ),
    ),
    (
        "phrases",
        {},
        WallTopics(
            exact=frozenset({"board:tenant", "phrases:tenant"}),
            agents=frozenset({AgentFamily("15m")}),
        ),
    ),
    ("alerts", {}, exact("alerts:tenant")),
    ("alerts", {"scope": "queue:Sales"}, exact("alerts:queue:Sales")),
    ("alerts", {"scope": "team:North"}, exact("alerts:team:North")),
    ("alerts", {"scope": "agent:a1"}, exact("alerts:tenant")),
    ("callbacks", {}, exact("callbacks:tenant")),
    ("callbacks", {"scope": "queue:Care"}, exact("callbacks:queue:Care")),
    ("stalled_deals", {}, exact("deals:tenant")),
    ("stalled_deals", {"scope": "pipeline:b2b"}, exact("deals:pipeline:b2b")),
    ("stalled_deals", {"scope": "team:North"}, exact("deals:team:North")),
    (
        "leaderboard",
        {"window": "today", "options": {"targets": True, "team": "North"}},
        WallTopics(
            exact=frozenset({"board:team:North", "targets:team:North"}),
            agents=frozenset({AgentFamily("today", "North")}),
        ),
    ),
    (
        "leaderboard",
        {"window": "60m", "options": {"targets": True}},  # targets are day plans: today only
        WallTopics(exact=frozenset({"board:tenant"}), agents=frozenset({AgentFamily("60m")})),
    ),
    ("funnel", {}, exact("funnel:pipeline:default:today")),
    (
        "funnel",
        {"scope": "pipeline:b2b", "options": {"period": "week", "team": "North"}},
        exact("funnel:team:North:pipeline:b2b:week"),
    ),
]


@pytest.mark.parametrize(("type_", "fields", "expected"), CASES)
def test_each_widget_names_its_topics_as_the_frontend_does(
    type_: str, fields: dict[str, Any], expected: WallTopics
) -> None:
    assert widget_topics(widget(type_, **fields)) == expected


def test_every_widget_type_is_covered() -> None:
    assert {case[0] for case in CASES} == set(get_args(WidgetType))


def test_the_page_adds_the_layout_messages_and_celebrated_wins() -> None:
    assert page_topics(WallDashboard(None)) == exact("dashboards:tenant", "messages:tenant")
    assert page_topics(WallDashboard("North", celebrate_wins=True)) == exact(
        "dashboards:team:North", "messages:tenant", "messages:team:North", "deals:team:North"
    )
    assert "deals:tenant" in page_topics(WallDashboard(None, celebrate_wins=True)).exact


def allowed(topics: WallTopics, name: str, teams: dict[str, str] | None = None) -> bool:
    return topics.allows(parse_topic(1, name), teams or {})


def test_a_grant_lets_through_its_topics_and_families_only() -> None:
    floor = WallDashboard(
        None,
        [
            widget("kpi", scope="queue:Sales", window="5m"),
            widget("queue_table", window="live"),
            widget("leaderboard", id="l", window="today", options={"team": "North"}),
        ],
    )
    sales = WallDashboard(None, [widget("agent_board")])
    topics = wall_topics([floor, sales])
    teams = {"n1": "North", "s1": "South"}
    for name in (
        "metrics:queue:Sales:5m",
        "metrics:queue:Anything:live",  # every queue, at the table's window
        "metrics:agent:n1:today",
        "board:team:North",
        "board:tenant",  # the rotation's dashboard
        "dashboards:tenant",
        "messages:tenant",
    ):
        assert allowed(topics, name, teams), name
    for name in (
        "metrics:queue:Sales:15m",
        "metrics:queue:Care:5m",
        "metrics:agent:n1:15m",  # another window
        "metrics:agent:s1:today",  # another team's agent
        "metrics:agent:x9:today",  # in no team
        "metrics:tenant:5m",
        "metrics:team:North:today",
        "alerts:tenant",
        "deals:tenant",
        "callbacks:tenant",
        "phrases:tenant",
        "board:team:South",
    ):
        assert not allowed(topics, name, teams), name
    assert topics.needs_agent_teams
    assert not wall_topics([sales]).needs_agent_teams


def test_history_only_for_the_series_a_chart_draws() -> None:
    topics = wall_topics(
        [WallDashboard(None, [widget("chart", metric="service_level", scope="queue:Sales")])]
    )
    assert topics.allows_history("service_level", "queue:Sales", "15m")
    assert not topics.allows_history("service_level", "queue:Sales", "5m")
    assert not topics.allows_history("calls_waiting", "queue:Sales", "15m")
    kpi_only = wall_topics([WallDashboard(None, [widget("kpi", metric="service_level")])])
    assert not kpi_only.allows_history("service_level", "tenant", "15m")
