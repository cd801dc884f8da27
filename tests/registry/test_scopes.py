"""The one scope parser: the forms it takes, the kinds a caller allows, and the message."""

from __future__ import annotations

import pytest

from app.registry.scopes import MAX_NAME_LENGTH, Scope, parse_scope, scope_forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tenant", Scope("tenant")),
        ("queue:Sales", Scope("queue", "Sales")),
        ("team:North:East", Scope("team", "North:East")),
        ("agent:a17", Scope("agent", "a17")),
        ("pipeline:New business", Scope("pipeline", "New business")),
        (f"team:{'x' * MAX_NAME_LENGTH}", Scope("team", "x" * MAX_NAME_LENGTH)),
    ],
)
def test_the_forms_a_scope_takes(text: str, expected: Scope) -> None:
    assert parse_scope(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "Tenant", "tenant:", "queue", "queue:", "desk:7", ":x", f"team:{'x' * 129}"],
)
def test_anything_else_is_refused(text: str) -> None:
    assert parse_scope(text) is None


def test_a_caller_allows_some_kinds() -> None:
    assert parse_scope("team:North", ("team",)) == Scope("team", "North")
    assert parse_scope("queue:Sales", ("team",)) is None
    assert parse_scope("tenant", ("team",)) == Scope("tenant")


def test_the_message_names_the_allowed_forms() -> None:
    assert scope_forms(("queue",)) == "`tenant` or `queue:NAME`"
    assert scope_forms() == ("`tenant`, `queue:NAME`, `team:NAME`, `agent:ID` or `pipeline:NAME`")
    assert scope_forms(("team",), more=("`each_agent`",)) == "`tenant`, `team:NAME` or `each_agent`"
