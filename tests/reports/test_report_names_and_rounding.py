"""Agent reports name people, not ids (JSON `agent_name`, a CSV `agent_name` column), and the
CSV rounds for people: ratios to 4 decimals, money to 2, seconds to 1 (JSON stays exact)."""

from __future__ import annotations

import csv
import io

from tests.auth.support import make_org
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key
from tests.reports.support import abandoned, answered, at, deal, kpi, store_facts

TZ = "Europe/Warsaw"
DAY = {"from": "2024-06-12", "to": "2024-06-12"}


async def test_agent_rows_carry_names_and_the_csv_is_rounded(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, timezone=TZ)
    await make_org(url, tenant_id, {"North": ["n1"]})  # display name N1
    nine = at(TZ, 2024, 6, 12, 9)
    await store_facts(
        url,
        tenant_id,
        [
            answered("c1", "Sales", "n1", "North", nine, nine + 5_000, 100),
            answered("c2", "Sales", "n1", "North", nine, nine + 40_000, 100.123),
            abandoned("c4", "Sales", nine, nine + 60_000),
            deal("d1", "n1", "North", "Sales", 10.005, nine + 200_000),
            deal("d2", "n1", "North", "Sales", 20.0, nine + 300_000),
            deal("d3", "ghost", None, None, 5.0, nine + 300_000),
        ],
    )
    body = await kpi(app_server, key, group_by="agent", **DAY)
    names = {row["agent"]: row["agent_name"] for row in body["rows"]}
    assert names == {"n1": "N1", "ghost": None}, "unknown agents keep their id and no name"

    queue = await kpi(app_server, key, group_by="queue", **DAY)
    (sales,) = queue["rows"]
    assert sales["metrics"]["service_level"] == 1 / 3  # exact in JSON
    assert "agent_name" not in sales

    async with app_server.client(key) as client:
        reply = await client.get(
            "/v1/reports/kpi", params={"group_by": "agent", "format": "csv", **DAY}
        )
        queue_csv = await client.get(
            "/v1/reports/kpi", params={"group_by": "queue", "format": "csv", **DAY}
        )
    table = {row["agent"]: row for row in csv.DictReader(io.StringIO(reply.text))}
    n1 = table["n1"]
    assert list(n1)[3:6] == ["agent", "agent_name", "team"]
    assert (n1["agent_name"], n1["team"]) == ("N1", "North")
    assert n1["aht"] == "100.1"  # (100 + 100.123) / 2 seconds, to 1 decimal
    assert n1["average_deal"] == "15.0"  # money to 2 decimals: 15.0025 -> 15.0
    assert n1["revenue"] == "30.0"
    assert table["ghost"]["agent_name"] == ""
    (queue_row,) = csv.DictReader(io.StringIO(queue_csv.text))
    assert "agent_name" not in queue_row
    assert queue_row["service_level"] == "0.3333"  # ratios to 4 decimals
    assert queue_row["abandonment_rate"] == "0.3333"
