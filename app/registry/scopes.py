"""Scopes as the API and the topics name them: `tenant`, or `KIND:NAME` (`queue:Sales`,
`team:North`, `agent:a17`, `pipeline:New business`). One parser for the metric endpoints,
plans, alert rules and wall topics, each of which allows a subset of the kinds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

SCOPE_KINDS: Final = ("queue", "team", "agent", "pipeline")
"""The kinds of named scopes, below the tenant."""
MAX_NAME_LENGTH: Final = 128


@dataclass(frozen=True, slots=True)
class Scope:
    kind: str
    """`tenant` or one of SCOPE_KINDS."""
    name: str | None = None
    """The queue, team, agent id or pipeline; None for the tenant."""


def parse_scope(text: str, kinds: Sequence[str] = SCOPE_KINDS) -> Scope | None:
    """`tenant`, or `KIND:NAME` with KIND among `kinds` and a name of 1 to MAX_NAME_LENGTH
    characters; None for anything else (the caller says what it expected: `scope_forms`)."""
    if text == "tenant":
        return Scope("tenant")
    kind, sep, name = text.partition(":")
    if sep and kind in kinds and name and len(name) <= MAX_NAME_LENGTH:
        return Scope(kind, name)
    return None


def scope_forms(kinds: Sequence[str] = SCOPE_KINDS, *, more: Sequence[str] = ()) -> str:
    """The accepted forms for an error message: "`tenant`, `queue:NAME` or `agent:ID`"."""
    forms = ["`tenant`", *(f"`{k}:{'ID' if k == 'agent' else 'NAME'}`" for k in kinds), *more]
    return ", ".join(forms[:-1]) + " or " + forms[-1]
