"""`GET /v1/metrics/history` over real HTTP: checked parameters, the caller's scopes, and a cap
on how many series asking can make the server sample."""

from __future__ import annotations

from fastapi import FastAPI

from app.widgets.hub import Hub
from app.widgets.trends import MAX_ASKED_PER_TENANT
from tests.helpers import make_tenant_key
from tests.widgets.conftest import ServerFactory


async def test_bad_asks_are_refused_and_asking_is_capped(memory_server: ServerFactory) -> None:
    async with memory_server(trend_sample_s=60) as app:
        tenant_id, key = await make_tenant_key(app.settings.database_url)
        async with app.client(key) as client:
            bad_metric = await client.get(
                "/v1/metrics/history", params={"metric": "nope", "scope": "tenant"}
            )
            break_reason = await client.get(
                "/v1/metrics/history", params={"metric": "agents_break:lunch", "scope": "tenant"}
            )
            bad_window = await client.get(
                "/v1/metrics/history",
                params={"metric": "offered", "scope": "tenant", "window": "2h"},
            )
            bad_scope = await client.get(
                "/v1/metrics/history", params={"metric": "offered", "scope": "planet:x"}
            )
            for n in range(MAX_ASKED_PER_TENANT + 5):
                reply = await client.get(
                    "/v1/metrics/history", params={"metric": "offered", "scope": f"queue:q{n}"}
                )
                assert reply.status_code == 200, reply.text
                assert reply.json()["points"] == []
        assert bad_metric.status_code == 400
        assert "unknown metric" in bad_metric.json()["error"]["message"]
        assert break_reason.status_code == 200, "a chart may show one break reason"
        assert bad_window.status_code == 400
        assert bad_scope.status_code == 400
        server_app = app.server.config.app
        assert isinstance(server_app, FastAPI)
        hub: Hub = server_app.state.hub
        asked = [series for tenant, series in hub.trends.asked if tenant == tenant_id]
        assert len(asked) == MAX_ASKED_PER_TENANT
