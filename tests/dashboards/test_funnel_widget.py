"""The `funnel` widget type: a pipeline (scope), a period, a way of counting, perhaps a team."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.dashboards.schemas import OptionValue, Widget


@pytest.mark.parametrize(
    "options",
    [{}, {"period": "week", "count": "in_order", "team": "East"}, {"period": "month"}],
)
def test_a_funnel_widget_shows_a_pipeline(options: dict[str, OptionValue]) -> None:
    widget = Widget(id="f", type="funnel", scope="pipeline:b2b", options=options, w=6, h=3)
    assert widget.options == options
    assert Widget(id="f", type="funnel").scope == "tenant"


@pytest.mark.parametrize(
    ("scope", "options", "says"),
    [
        ("team:East", {}, "funnel widget shows a pipeline"),
        ("queue:Sales", {}, "funnel widget shows a pipeline"),
        ("tenant", {"period": "15m"}, "funnel `period`"),
        ("tenant", {"count": "all"}, "funnel `count`"),
        ("tenant", {"team": ""}, "funnel `team`"),
    ],
)
def test_a_funnel_widget_refuses_other_scopes_and_options(
    scope: str, options: dict[str, OptionValue], says: str
) -> None:
    with pytest.raises(ValidationError, match=says):
        Widget(id="f", type="funnel", scope=scope, options=options)
