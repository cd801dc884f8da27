"""The call-back list's topics (who may subscribe: every wall reader of the tenant, numbers
masked) and its metrics in alert rules and dashboards (pure functions)."""

from __future__ import annotations

import pytest

from app.alerts.rules import RuleError, check_metric, parse_rule_scope
from app.auth.keys import Scope
from app.auth.policy import Access
from app.auth.principal import CredentialKind, Principal
from app.auth.roles import Role
from app.callbacks.service import (
    MASKED,
    WHOLE,
    NumberView,
    Row,
    number_view,
    rows_of,
    wall_row,
)
from app.dashboards.schemas import Widget
from app.dashboards.topics import Topic, TopicError, TopicKind, can_subscribe, parse_topic
from app.widgets.hub import callbacks_state


def user(
    role: Role, access: Access, scopes: frozenset[Scope] = frozenset({Scope.read})
) -> Principal:
    return Principal(
        tenant_id=1,
        tenant_name="t",
        scopes=scopes,
        access=access,
        kind=CredentialKind.session,
        user_id=5,
        username="u",
        role=role,
    )


def test_callback_topics_parse_and_refuse_other_scopes() -> None:
    assert parse_topic(1, "callbacks:tenant") == Topic(
        1, "callbacks:tenant", TopicKind.callbacks, "tenant"
    )
    queue = parse_topic(1, "callbacks:queue:EU:Sales")
    assert (queue.kind, queue.scope_name) == (TopicKind.callbacks, "EU:Sales")
    for bad in ("callbacks:team:North", "callbacks:agent:a1", "callbacks:"):
        with pytest.raises(TopicError):
            parse_topic(1, bad)


def test_every_wall_reader_of_the_tenant_may_subscribe() -> None:
    topic = parse_topic(1, "callbacks:queue:Sales")
    readers = [
        user(Role.agent, Access(all_teams=False, only_agent="a1")),
        user(Role.team_lead, Access(all_teams=False, teams=frozenset({"North"}))),
        user(Role.display, Access(all_teams=False, teams=frozenset({"North"})), frozenset()),
    ]
    assert all(can_subscribe(p, topic) for p in readers)
    assert not can_subscribe(readers[0], parse_topic(2, "callbacks:tenant"))
    ingest_only = Principal(tenant_id=1, tenant_name="t", scopes=frozenset({Scope.ingest}))
    assert not can_subscribe(ingest_only, topic)


def test_topic_state_is_masked_and_filtered_by_queue() -> None:
    rows = [
        {"id": 1, "number": "+48601234567", "queue": "Sales", "first_missed": 1, "last_missed": 2,
         "misses": 2, "attempts": 0, "status": "open", "closed_at": 0, "reason": None,
         "callback_ms": None, "teams": ["North"]},
        {"id": 2, "number": "+44207946095", "queue": "Support", "first_missed": 3,
         "last_missed": 3, "misses": 1, "attempts": 1, "status": "open", "closed_at": 0,
         "reason": None, "callback_ms": None, "teams": []},
    ]  # fmt: skip
    entries = rows_of(rows)
    tenant = parse_topic(1, "callbacks:tenant")
    everything = callbacks_state(tenant, entries, MASKED)
    assert {k: v["number"] for k, v in everything.items()} == {
        "1": "+48 ••• ••• 567",
        "2": "+44 ••• ••• 095",
    }
    assert all("teams" not in v for v in everything.values())
    assert list(callbacks_state(parse_topic(1, "callbacks:queue:Support"), entries, MASKED)) == [
        "2"
    ]
    assert wall_row(Row(**rows[0]))["number"] == "+48 ••• ••• 567"  # type: ignore[arg-type]
    whole = callbacks_state(tenant, entries, WHOLE)
    assert {k: v["number"] for k, v in whole.items()} == {"1": "+48601234567", "2": "+44207946095"}
    north = callbacks_state(tenant, entries, NumberView(teams=frozenset({"North"})))
    assert {k: v["number"] for k, v in north.items()} == {
        "1": "+48601234567",
        "2": "+44 ••• ••• 095",
    }


def test_number_view_by_role_and_access() -> None:
    """One rule for the API and the socket: admins, API keys and supervisors of every team see
    every number; a lead (or a supervisor limited to some teams) its teams' queues; agents and
    displays none, even a display of the whole floor."""
    everything = Access.everything()
    north = Access(all_teams=False, teams=frozenset({"North"}))
    assert number_view(user(Role.admin, everything)) == WHOLE
    assert number_view(user(Role.supervisor, everything)) == WHOLE
    assert (
        number_view(Principal(tenant_id=1, tenant_name="t", scopes=frozenset({Scope.read})))
        == WHOLE
    )
    assert number_view(user(Role.team_lead, north)) == NumberView(teams=frozenset({"North"}))
    assert number_view(user(Role.supervisor, north)) == NumberView(teams=frozenset({"North"}))
    assert number_view(user(Role.team_lead, Access(all_teams=False))) == MASKED
    assert number_view(user(Role.agent, Access(all_teams=False, only_agent="a1"))) == MASKED
    assert number_view(user(Role.display, everything, frozenset())) == MASKED
    assert number_view(user(Role.display, north, frozenset())) == MASKED


def test_callback_metrics_in_alert_rules_and_widgets() -> None:
    check_metric("unreturned", parse_rule_scope("queue:Sales"), "live", None)
    check_metric("callback_rate", parse_rule_scope("tenant"), "today", None)
    check_metric("time_to_callback", parse_rule_scope("each_queue"), "60m", None)
    with pytest.raises(RuleError, match="counted over a window"):
        check_metric("callbacks_made", parse_rule_scope("tenant"), "live", None)
    with pytest.raises(RuleError, match="call-back list metric"):
        check_metric("unreturned", parse_rule_scope("team:North"), "live", None)
    Widget(id="c", type="callbacks", scope="queue:Sales")
    Widget(id="k", type="kpi", metric="unreturned", window="live")
    with pytest.raises(ValueError, match="callbacks widget"):
        Widget(id="c", type="callbacks", scope="team:North")
