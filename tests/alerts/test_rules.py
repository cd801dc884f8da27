"""Rule bodies: the issue's examples are expressible; inconsistent rules are refused with a
message that says what was expected. Quiet hours in the tenant's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from app.alerts.quiet_hours import is_quiet, make_window
from app.alerts.rules import fingerprint, parse_rule_scope
from app.alerts.schemas import RuleIn

EXAMPLES: list[dict[str, Any]] = [
    # SL(15m) of queue Sales < 0.8 for 2 min, recovering above 85 %
    {
        "metric": "service_level",
        "scope": "queue:Sales",
        "window": "15m",
        "op": "<",
        "threshold": 0.8,
        "clear_threshold": 0.85,
        "for_s": 120,
    },
    # calls waiting >= 5
    {"metric": "calls_waiting", "scope": "tenant", "op": ">=", "threshold": 5},
    # longest wait > 120 s, in every queue
    {"metric": "longest_wait", "scope": "each_queue", "op": ">", "threshold": 120},
    # any agent of team North on break > 20 min
    {
        "metric": "time_in_state",
        "agent_state": "break",
        "scope": "each_agent:team:North",
        "op": ">",
        "threshold": 1200,
    },
    # abandonment(60m) > 10 %
    {
        "metric": "abandonment_rate",
        "scope": "tenant",
        "window": "60m",
        "op": ">",
        "threshold": 0.1,
        "keep_firing_for_s": 300,
    },
]


@pytest.mark.parametrize("fields", EXAMPLES)
def test_the_issues_examples_are_expressible(fields: dict[str, Any]) -> None:
    rule = RuleIn.model_validate({"name": "r", **fields})
    assert rule.metric == fields["metric"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"metric": "service_level", "scope": "tenant", "op": "<", "threshold": 0.8},
            "is counted over a window",
        ),
        (
            {"metric": "calls_waiting", "scope": "team:North", "op": ">", "threshold": 1},
            "queue gauge",
        ),
        (
            {"metric": "time_in_state", "scope": "queue:Sales", "op": ">", "threshold": 1},
            "per-agent metric",
        ),
        (
            {"metric": "time_in_state", "scope": "each_agent", "op": ">", "threshold": 1},
            "needs `agent_state`",
        ),
        ({"metric": "nonsense", "scope": "tenant", "op": ">", "threshold": 1}, "unknown metric"),
        (
            {"metric": "calls_waiting", "scope": "queues", "op": ">", "threshold": 1},
            "invalid scope",
        ),
        (
            {
                "metric": "calls_waiting",
                "scope": "tenant",
                "op": ">",
                "threshold": 5,
                "clear_threshold": 7,
            },
            "clear_threshold must be <= 5",
        ),
        (
            {
                "metric": "service_level",
                "scope": "tenant",
                "window": "15m",
                "op": "<",
                "threshold": 0.8,
                "clear_threshold": 0.7,
            },
            "clear_threshold must be >= 0.8",
        ),
        (
            {
                "metric": "calls_waiting",
                "scope": "tenant",
                "op": ">",
                "threshold": 5,
                "quiet_hours": [{"start": "25:00", "end": "07:00"}],
            },
            "expected 00:00 to 24:00",
        ),
    ],
)
def test_inconsistent_rules_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RuleIn.model_validate({"name": "r", **fields})


def test_scopes_parse_and_fingerprints_are_stable() -> None:
    assert parse_rule_scope("each_agent:team:North").team == "North"
    assert parse_rule_scope("queue:Sales:EN").name == "Sales:EN"
    assert fingerprint(1, 2, "agent:a1") == fingerprint(1, 2, "agent:a1")
    assert fingerprint(1, 2, "agent:a1") != fingerprint(1, 2, "agent:a2")
    assert fingerprint(1, 2, "agent:a1") != fingerprint(2, 2, "agent:a1")


def ms(local: str, tz: str) -> int:
    return int(datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(tz)).timestamp() * 1000)


def test_quiet_hours_follow_the_tenants_time_zone_and_run_past_midnight() -> None:
    night = make_window(["fri"], "22:00", "06:00")
    tz = "Europe/Warsaw"
    assert is_quiet([night], ms("2026-01-09T23:30", tz), tz)  # Friday night
    assert is_quiet([night], ms("2026-01-10T05:59", tz), tz)  # Saturday early, same window
    assert not is_quiet([night], ms("2026-01-10T06:00", tz), tz)
    assert not is_quiet([night], ms("2026-01-08T23:30", tz), tz)  # Thursday
    friday_2130_utc = ms("2026-01-09T21:30", "UTC")  # 22:30 in Warsaw
    assert is_quiet([night], friday_2130_utc, tz)
    assert not is_quiet([night], friday_2130_utc, "UTC")
    assert is_quiet([make_window([], "00:00", "00:00")], ms("2026-01-08T12:00", tz), tz)
    assert not is_quiet([], ms("2026-01-08T12:00", tz), tz)
