"""Topic names, the permission check and the snapshot diff (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.auth.deps import Principal
from app.auth.keys import Scope
from app.auth.policy import Access
from app.dashboards.topics import Topic, TopicError, TopicKind, can_subscribe, parse_topic
from app.widgets.live import diff


@pytest.mark.parametrize(
    ("name", "kind", "scope", "window"),
    [
        ("metrics:tenant:15m", TopicKind.metrics, "tenant", "15m"),
        ("metrics:queue:Sales:live", TopicKind.metrics, "queue:Sales", "live"),
        ("metrics:queue:EU:Sales:today", TopicKind.metrics, "queue:EU:Sales", "today"),
        ("metrics:agent:a-17:interval", TopicKind.metrics, "agent:a-17", "interval"),
        ("board:tenant", TopicKind.board, "tenant", None),
        ("board:team:Blue", TopicKind.board, "team:Blue", None),
        ("board:queue:Sales", TopicKind.board, "queue:Sales", None),
        ("alerts:tenant", TopicKind.alerts, "tenant", None),
        ("dashboards:tenant", TopicKind.dashboards, "tenant", None),
        ("dashboards:team:Blue", TopicKind.dashboards, "team:Blue", None),
        ("deals:tenant", TopicKind.deals, "tenant", None),
        ("deals:pipeline:default", TopicKind.deals, "pipeline:default", None),
        ("deals:team:Blue", TopicKind.deals, "team:Blue", None),
        ("targets:tenant", TopicKind.targets, "tenant", None),
        ("targets:team:Blue", TopicKind.targets, "team:Blue", None),
    ],
)
def test_valid_topics(name: str, kind: TopicKind, scope: str, window: str | None) -> None:
    topic = parse_topic(7, name)
    assert topic == Topic(7, name, kind, scope, window)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "1 to"),
        ("x" * 400, "1 to"),
        ("weather:tenant", "unknown topic"),
        ("metrics", "lacks its scope"),
        ("metrics:tenant", "must end with a window"),
        ("metrics:tenant:2h", "must end with a window"),
        ("metrics:queue::15m", "invalid scope"),
        ("metrics:region:EU:15m", "invalid scope"),
        ("board:agent:a1", "invalid scope"),
        ("board:", "invalid scope"),
        ("alerts:team:" + "x" * 200, "invalid scope"),
        ("dashboards:queue:Sales", "invalid scope"),
        ("deals:queue:Sales", "invalid scope"),
        ("deals:agent:a1", "invalid scope"),
        ("targets:agent:a1", "invalid scope"),
        ("targets:queue:Sales", "invalid scope"),
        ("funnel:pipeline:default", "must end with a period"),
        ("funnel:pipeline:default:15m", "must end with a period"),
        ("funnel:tenant:today", "invalid scope"),
        ("funnel:pipeline::today", "invalid scope"),
        ("funnel:team:Blue:today", "invalid scope"),
        ("funnel:queue:Sales:pipeline:p:today", "invalid scope"),
    ],
)
def test_malformed_topics_say_what_was_expected(name: str, says: str) -> None:
    with pytest.raises(TopicError, match=says):
        parse_topic(1, name)


def principal(tenant_id: int, scopes: set[Scope]) -> Principal:
    return Principal(tenant_id=tenant_id, tenant_name="t", scopes=frozenset(scopes), key_id=1)


def test_a_topic_of_another_tenant_is_never_allowed() -> None:
    mine = principal(1, {Scope.read})
    assert can_subscribe(mine, parse_topic(1, "metrics:tenant:15m"))
    assert not can_subscribe(mine, parse_topic(2, "metrics:tenant:15m"))
    assert not can_subscribe(mine, parse_topic(2, "board:tenant"))
    assert not can_subscribe(principal(1, {Scope.ingest}), parse_topic(1, "board:tenant"))


def test_dashboards_of_everyone_are_everyones_and_a_teams_need_the_team() -> None:
    lead = Principal(
        tenant_id=1,
        tenant_name="t",
        scopes=frozenset({Scope.read}),
        access=Access(all_teams=False, teams=frozenset({"Blue"})),
    )
    assert can_subscribe(lead, parse_topic(1, "dashboards:tenant"))
    assert can_subscribe(lead, parse_topic(1, "dashboards:team:Blue"))
    assert not can_subscribe(lead, parse_topic(1, "dashboards:team:Red"))
    assert not can_subscribe(lead, parse_topic(1, "board:tenant"))


def test_targets_of_a_team_need_the_team_and_the_tenants_every_team() -> None:
    lead = Principal(
        tenant_id=1,
        tenant_name="t",
        scopes=frozenset({Scope.read}),
        access=Access(all_teams=False, teams=frozenset({"Blue"})),
    )
    agent = Principal(
        tenant_id=1,
        tenant_name="t",
        scopes=frozenset({Scope.read}),
        access=Access(all_teams=False, only_agent="a1"),
    )
    assert can_subscribe(lead, parse_topic(1, "targets:team:Blue"))
    assert not can_subscribe(lead, parse_topic(1, "targets:team:Red"))
    assert not can_subscribe(lead, parse_topic(1, "targets:tenant"))
    assert not can_subscribe(agent, parse_topic(1, "targets:tenant"))
    assert not can_subscribe(agent, parse_topic(1, "targets:team:Blue"))
    assert can_subscribe(principal(1, {Scope.read}), parse_topic(1, "targets:tenant"))


@pytest.mark.parametrize(
    ("name", "scope", "pipeline", "period"),
    [
        ("funnel:pipeline:default:today", "pipeline:default", "default", "today"),
        ("funnel:pipeline:EU:B2B:week", "pipeline:EU:B2B", "EU:B2B", "week"),
        ("funnel:team:Blue:pipeline:default:month", "team:Blue", "default", "month"),
        ("funnel:team:EU:Blue:pipeline:a:b:today", "team:EU:Blue", "a:b", "today"),
    ],
)
def test_funnel_topics_name_a_pipeline_and_perhaps_a_team(
    name: str, scope: str, pipeline: str, period: str
) -> None:
    assert parse_topic(3, name) == Topic(3, name, TopicKind.funnel, scope, period, pipeline)


def test_a_pipelines_funnel_is_floor_wide_and_a_teams_needs_the_team() -> None:
    lead = Principal(
        tenant_id=1,
        tenant_name="t",
        scopes=frozenset({Scope.read}),
        access=Access(all_teams=False, teams=frozenset({"Blue"})),
    )
    assert can_subscribe(lead, parse_topic(1, "funnel:pipeline:default:today"))
    assert can_subscribe(lead, parse_topic(1, "funnel:team:Blue:pipeline:default:week"))
    assert not can_subscribe(lead, parse_topic(1, "funnel:team:Red:pipeline:default:today"))
    assert not can_subscribe(lead, parse_topic(2, "funnel:pipeline:default:today"))


values = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5))
states = st.dictionaries(st.text(max_size=4), values, max_size=12)


@settings(max_examples=200, deadline=None)
@given(old=states, new=states)
def test_applying_the_diff_to_the_old_state_gives_the_new_one(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    changed, gone = diff(old, new)
    patched = {k: v for k, v in old.items() if k not in gone}
    patched.update(changed)
    assert patched == new
    assert all(old.get(k) != v or k not in old for k, v in changed.items())
