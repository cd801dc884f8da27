"""The `stalled_deals` widget type: the tenant's, a pipeline's or a team's deal list only."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.dashboards.schemas import Widget


@pytest.mark.parametrize("scope", ["tenant", "pipeline:default", "team:North"])
def test_a_stalled_deals_widget_shows_the_tenant_a_pipeline_or_a_team(scope: str) -> None:
    widget = Widget(id="deals", type="stalled_deals", scope=scope, w=6, h=3)
    assert widget.scope == scope


@pytest.mark.parametrize("scope", ["queue:Sales", "agent:a1"])
def test_other_scopes_are_refused_with_the_reason(scope: str) -> None:
    with pytest.raises(ValidationError, match="stalled_deals widget shows the tenant's deals"):
        Widget(id="deals", type="stalled_deals", scope=scope)
