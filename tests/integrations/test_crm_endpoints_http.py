"""The CRM webhooks over real HTTP: Pipedrive with basic auth, HubSpot signed with the tenant's
client secret, Salesforce with a bearer key; each refuses bad credentials with 401, answers
per record, counts a retried delivery as duplicates, and its events reach the aggregator
(`/v1/metrics/events`). The admin API of the settings never shows the secret."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.auth.keys import Scope
from app.core.config import EngineKind
from app.core.db import Database
from app.core.migrate import upgrade
from app.core.sealing import SecretBox, generate_key
from app.events.schemas import AnyEvent, event_type
from app.integrations.crm import CrmMapping
from app.integrations.crm_settings import Crm, CrmSettingsIn, save_settings
from app.integrations.hubspot import (
    compute_hubspot_signature,
    hubspot_mapping,
    parse_hubspot_webhooks,
)
from app.integrations.pipedrive import parse_pipedrive_webhooks
from app.integrations.salesforce import parse_opportunity_changes
from tests.conftest import RunningApp, make_settings, start_app, stop_app
from tests.helpers import eventually, make_tenant_key, now_ms
from tests.integrations.golden import SAMPLES

SECRET = "0d3e6c1b-9f4a-4b8e-a2c7-5e1f9d8b7a60"
HUBSPOT_SETTINGS = {
    "stages": {"appointmentscheduled": "Appointment scheduled", "qualifiedtobuy": "Qualified"},
    "owners": {"81234567": "anna"},
    "client_secret": SECRET,
}


@pytest.fixture(scope="module")
def module_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('crm') / 'floorwatch.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture(scope="module")
async def server(module_sqlite_url: str) -> AsyncIterator[RunningApp]:
    url = module_sqlite_url
    settings = make_settings(engine=EngineKind.memory, database_url=url, clock="event")
    running, task = await start_app(settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"pipedrive:{key}".encode()).decode()}


async def counts_reach(running: RunningApp, key: str, expected: Counter[str]) -> None:
    async with running.client(key) as client:

        async def reached() -> bool:
            got = (await client.get("/v1/metrics/events")).json()
            return bool(got == dict(expected))

        await eventually(reached)


def types(events: Sequence[AnyEvent]) -> Counter[str]:
    return Counter(event_type(e) for e in events)


async def test_pipedrive_basic_auth_per_record_answer_and_retries(server: RunningApp) -> None:
    _, key = await make_tenant_key(server.settings.database_url)
    notifications = json.loads((SAMPLES / "pipedrive_webhooks.json").read_text())
    path = "/v1/integrations/pipedrive/webhooks"
    async with server.client() as client:
        assert (await client.post(path, content=json.dumps(notifications[0]))).status_code == 401
        wrong = await client.post(path, content="{}", headers=basic("fw_not-a-key"))
        assert wrong.status_code == 401
        accepted = 0
        for item in notifications:
            reply = await client.post(path, content=json.dumps(item), headers=basic(key))
            assert reply.status_code == 200, reply.text
            accepted += reply.json()["accepted"]
        again = await client.post(path, content=json.dumps(notifications[5]), headers=basic(key))
        bad = await client.post(path, content=json.dumps(notifications[10]), headers=basic(key))
    expected = types(
        parse_pipedrive_webhooks((SAMPLES / "pipedrive_webhooks.json").read_bytes()).events
    )
    assert accepted == sum(expected.values())
    assert again.json()["accepted"] == 0
    assert again.json()["duplicates"] == 1
    assert bad.json()["errors"] == [
        {"line": 1, "reason": "value: a deal's value cannot be negative (-250)"}
    ]
    await counts_reach(server, key, expected)


async def test_hubspot_signed_by_the_tenants_secret(server: RunningApp) -> None:
    tenant_id, admin = await make_tenant_key(
        server.settings.database_url, {Scope.ingest, Scope.read, Scope.admin}
    )
    body = (SAMPLES / "hubspot_webhooks.json").read_bytes()
    url = f"{server.base_url}/v1/integrations/hubspot/webhooks/{tenant_id}"

    def signed(content: bytes, secret: str = SECRET, age_ms: int = 0) -> dict[str, str]:
        ts = str(int(time.time() * 1000) - age_ms)
        return {
            "Content-Type": "application/json",
            "X-HubSpot-Request-Timestamp": ts,
            "X-HubSpot-Signature-v3": compute_hubspot_signature(secret, "POST", url, content, ts),
        }

    async with server.client() as client:
        before = await client.post(url, content=body, headers=signed(body))
        assert before.status_code == 401  # no client secret set yet
        put = await client.put(
            "/v1/integrations/crm/hubspot/settings",
            json=HUBSPOT_SETTINGS,
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert put.status_code == 200, put.text
        assert put.json()["has_client_secret"] is True
        assert SECRET not in put.text
        assert put.json()["webhook_path"] == f"/v1/integrations/hubspot/webhooks/{tenant_id}"
        refused = [
            await client.post(url, content=body, headers=signed(body, "wrong secret")),
            await client.post(url, content=body + b" ", headers=signed(body)),
            await client.post(url, content=body, headers=signed(body, age_ms=301_000)),
            await client.post(url, content=body),
            await client.post(url + "0", content=body, headers=signed(body)),
        ]
        assert [r.status_code for r in refused] == [401] * 5
        reply = await client.post(url, content=body, headers=signed(body))
        retry = await client.post(url, content=body, headers=signed(body))
    mapping = CrmMapping(
        stages=HUBSPOT_SETTINGS["stages"],  # type: ignore[arg-type]
        owners=HUBSPOT_SETTINGS["owners"],  # type: ignore[arg-type]
    )
    expected = parse_hubspot_webhooks(body, hubspot_mapping(mapping))
    assert reply.status_code == 200, reply.text
    assert reply.json()["accepted"] == len(expected.events)
    assert [e["line"] for e in reply.json()["errors"]] == [e.line_no for e in expected.errors]
    assert retry.json()["accepted"] == 0
    assert retry.json()["duplicates"] == len(expected.events)
    await counts_reach(server, admin, types(expected.events))


async def test_salesforce_bearer(server: RunningApp) -> None:
    _, key = await make_tenant_key(server.settings.database_url)
    body = (SAMPLES / "salesforce_opportunity_changes.ndjson").read_bytes()
    path = "/v1/integrations/salesforce/opportunity-changes"
    async with server.client() as client:
        anonymous = await client.post(path, content=body)
        reply = await client.post(path, content=body, headers={"Authorization": f"Bearer {key}"})
    assert anonymous.status_code == 401
    expected = parse_opportunity_changes(body)
    assert reply.status_code == 200
    assert reply.json()["accepted"] == len(expected.events)
    assert [e["line"] for e in reply.json()["errors"]] == [12, 13]
    assert reply.json()["skipped"]["DELETE"] == 1
    await counts_reach(server, key, types(expected.events))


async def test_settings_api_is_for_admins_and_checks_its_input(server: RunningApp) -> None:
    _, admin = await make_tenant_key(
        server.settings.database_url, {Scope.ingest, Scope.read, Scope.admin}
    )
    _, ingest = await make_tenant_key(server.settings.database_url)
    path = "/v1/integrations/crm/pipedrive/settings"
    async with server.client(admin) as client:
        empty = await client.get(path)
        overlap = await client.put(
            "/v1/integrations/crm/hubspot/settings",
            json={"won_stages": ["a"], "lost_stages": ["a"]},
        )
        secret_elsewhere = await client.put(path, json={"client_secret": "x"})
        put = await client.put(path, json={"stages": {"1": "Qualified"}, "owners": {"7": "anna"}})
        got = await client.get(path)
        unknown = await client.get("/v1/integrations/crm/zoho/settings")
    async with server.client(ingest) as client:
        forbidden = await client.get(path)
    assert empty.status_code == 200
    assert empty.json()["stages"] == {}
    assert overlap.status_code == 400
    assert "lost_stages" in overlap.text
    assert secret_elsewhere.status_code == 400
    assert put.status_code == 200
    assert got.json()["stages"] == {"1": "Qualified"}
    assert got.json()["owners"] == {"7": "anna"}
    assert got.json()["has_client_secret"] is False
    assert unknown.status_code == 422
    assert forbidden.status_code == 403


async def test_pipedrive_uses_the_tenants_names(server: RunningApp) -> None:
    _, admin = await make_tenant_key(
        server.settings.database_url, {Scope.ingest, Scope.read, Scope.admin}
    )
    notifications = json.loads((SAMPLES / "pipedrive_webhooks.json").read_text())
    async with server.client(admin) as client:
        await client.put(
            "/v1/integrations/crm/pipedrive/settings",
            json={"stages": {"1": "Qualified"}, "owners": {"13245678": "anna"}},
        )
    async with httpx.AsyncClient(base_url=server.base_url) as raw:
        reply = await raw.post(
            "/v1/integrations/pipedrive/webhooks",
            content=json.dumps(notifications[0]),
            headers=basic(admin),
        )
    assert reply.json()["accepted"] == 1
    async with server.client(admin) as client:

        async def named() -> bool:
            board = (await client.get("/v1/metrics/events")).json()
            return bool(board == {"deal.created": 1})

        await eventually(named)


async def test_crm_csv_replay_loads_history(server: RunningApp) -> None:
    from app.integrations.replay import ReplayFormat, parse_file, replay

    _, key = await make_tenant_key(server.settings.database_url)
    parsed = parse_file(SAMPLES / "crm_opportunities.csv", ReplayFormat.crm_csv, "Europe/Warsaw")
    events = sorted(parsed.events, key=lambda e: e.ms)
    first = await replay(events, server.base_url, key)
    again = await replay(events, server.base_url, key)
    assert first.accepted == len(events) == 6
    assert again.accepted == 0
    assert again.duplicates == len(events)
    await counts_reach(server, key, types(events))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pipedrive(action: str, deal: dict[str, Any], previous: dict[str, Any] | None) -> str:
    meta = {"action": action, "entity": "deal", "entity_id": str(deal["id"]),
            "company_id": "77", "attempt": 1, "version": "2.0",
            "timestamp": deal["update_time"]}  # fmt: skip
    return json.dumps({"data": deal, "previous": previous, "meta": meta})


async def test_pipedrive_deals_reach_the_pipeline_metrics(server: RunningApp) -> None:
    """A live lifecycle posted as Pipedrive would, with a retry, lands in the pipeline's
    numbers once: created, moved, handed over, won; another lost; a third still open."""
    _, admin = await make_tenant_key(
        server.settings.database_url, {Scope.ingest, Scope.read, Scope.admin}
    )
    t = now_ms()
    minute = 60_000

    def deal(deal_id: int, at: int, **fields: Any) -> dict[str, Any]:
        return {"id": deal_id, "owner_id": 1, "stage_id": 1, "pipeline_id": 1, "status": "open",
                "value": 1000, "currency": "PLN", "add_time": _iso(at), "update_time": _iso(at),
                **fields}  # fmt: skip

    a_moved = deal(1, t - 50 * minute, stage_id=2, stage_change_time=_iso(t - 40 * minute),
                   update_time=_iso(t - 40 * minute))  # fmt: skip
    a_owner = {**a_moved, "owner_id": 2, "update_time": _iso(t - 30 * minute)}
    a_won = {**a_owner, "status": "won", "value": 1200, "won_time": _iso(t - 20 * minute),
             "update_time": _iso(t - 20 * minute)}  # fmt: skip
    b = deal(2, t - 45 * minute, value=300)
    b_lost = {**b, "status": "lost", "lost_time": _iso(t - 10 * minute),
              "lost_reason": "Price", "update_time": _iso(t - 10 * minute)}  # fmt: skip
    bodies = [
        _pipedrive("create", deal(1, t - 50 * minute), None),
        _pipedrive("change", a_moved, {"stage_id": 1}),
        _pipedrive("change", a_moved, {"stage_id": 1}),  # Pipedrive retries
        _pipedrive("change", a_owner, {"owner_id": 1}),
        _pipedrive("change", a_won, {"status": "open", "won_time": None}),
        _pipedrive("create", b, None),
        _pipedrive("change", b_lost, {"status": "open", "lost_time": None}),
        _pipedrive("create", deal(3, t - 5 * minute, stage_id=2, value=500), None),
    ]
    async with server.client(admin) as client:
        put = await client.put(
            "/v1/integrations/crm/pipedrive/settings",
            json={"stages": {"1": "Qualified", "2": "Proposal"},
                  "owners": {"1": "anna", "2": "marek"}, "pipelines": {"1": "Sales"}},
        )  # fmt: skip
        assert put.status_code == 200, put.text
        path = "/v1/integrations/pipedrive/webhooks"
        answers = [
            (await client.post(path, content=body, headers=basic(admin))).json() for body in bodies
        ]
        assert [a["accepted"] for a in answers] == [1, 1, 0, 1, 1, 1, 1, 1]

        async def metrics(scope: str) -> dict[str, Any]:
            answer = await client.get("/v1/metrics", params={"scope": scope, "window": "60m"})
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()[0]["metrics"]
            return found

        async def applied() -> bool:
            return bool((await metrics("tenant"))["deals_created"] == 3)

        await eventually(applied)
        tenant = await metrics("tenant")
        assert (tenant["deals_won"], tenant["deals_lost"], tenant["win_rate"]) == (1, 1, 0.5)
        assert tenant["revenue"] == 1200.0
        assert tenant["time_to_close"] == 1800.0
        sales = await metrics("pipeline:Sales")
        assert sales["deals_open"] == 1
        assert sales["deals_open:Proposal"] == 1
        assert sales["pipeline_value"] == 500.0
        assert (await metrics("agent:marek"))["deals_won"] == 1
        assert (await metrics("agent:anna"))["deals_created"] == 3


async def test_hubspot_secret_sealed_with_a_key_the_server_lacks_is_a_503(
    server: RunningApp,
) -> None:
    """An operator's key mistake must not turn into a 4xx, which HubSpot never retries."""
    tenant_id, _ = await make_tenant_key(server.settings.database_url)
    db = Database(server.settings.database_url)
    try:
        async with db.session() as session:
            body = CrmSettingsIn(client_secret=SECRET)
            await save_settings(session, tenant_id, Crm.hubspot, body, SecretBox([generate_key()]))
            await session.commit()
    finally:
        await db.close()
    url = f"{server.base_url}/v1/integrations/hubspot/webhooks/{tenant_id}"
    ts = str(int(time.time() * 1000))
    headers = {
        "X-HubSpot-Request-Timestamp": ts,
        "X-HubSpot-Signature-v3": compute_hubspot_signature(SECRET, "POST", url, b"[]", ts),
    }
    async with server.client() as client:
        reply = await client.post(url, content=b"[]", headers=headers)
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "300"
    assert "FLOORWATCH_SECRET_KEY" in reply.json()["error"]["message"]


async def test_hubspot_deals_reach_the_pipeline_metrics(server: RunningApp) -> None:
    """A signed HubSpot batch of the last hour: properties at creation folded in, the won
    amount from a later change, stage ids named by the tenant's mapping."""
    tenant_id, admin = await make_tenant_key(
        server.settings.database_url, {Scope.ingest, Scope.read, Scope.admin}
    )
    t = now_ms()
    minute = 60_000
    numbers = iter(range(1, 100))

    def event(deal: int, at: int, prop: str | None = None, value: str | None = None) -> Any:
        item: dict[str, Any] = {
            "eventId": next(numbers), "subscriptionId": 5, "portalId": 146851220, "appId": 7,
            "occurredAt": at, "attemptNumber": 0, "objectId": deal,
            "subscriptionType": "deal.propertyChange" if prop else "deal.creation",
        }  # fmt: skip
        if prop:
            item.update(propertyName=prop, propertyValue=value)
        return item

    batch = [
        event(1, t - 50 * minute),
        event(1, t - 50 * minute, "dealstage", "appointmentscheduled"),
        event(1, t - 50 * minute, "amount", "1000"),
        event(1, t - 50 * minute, "hubspot_owner_id", "81234567"),
        event(1, t - 40 * minute, "dealstage", "qualifiedtobuy"),
        event(1, t - 30 * minute, "amount", "1500"),
        event(1, t - 20 * minute, "dealstage", "closedwon"),
        event(2, t - 45 * minute),
        event(2, t - 45 * minute, "dealstage", "qualifiedtobuy"),
        event(2, t - 45 * minute, "amount", "300"),
    ]
    body = json.dumps(batch).encode()
    url = f"{server.base_url}/v1/integrations/hubspot/webhooks/{tenant_id}"
    ts = str(int(time.time() * 1000))
    async with server.client(admin) as client:
        put = await client.put("/v1/integrations/crm/hubspot/settings", json=HUBSPOT_SETTINGS)
        assert put.status_code == 200, put.text
        reply = await client.post(
            url,
            content=body,
            headers={
                "X-HubSpot-Request-Timestamp": ts,
                "X-HubSpot-Signature-v3": compute_hubspot_signature(SECRET, "POST", url, body, ts),
            },
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["accepted"] == 4  # two created, one moved, one won

        async def metrics(scope: str) -> dict[str, Any]:
            answer = await client.get("/v1/metrics", params={"scope": scope, "window": "60m"})
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()[0]["metrics"]
            return found

        async def applied() -> bool:
            return bool((await metrics("tenant"))["deals_won"] == 1)

        await eventually(applied)
        tenant = await metrics("tenant")
        assert tenant["deals_created"] == 2
        assert tenant["revenue"] == 1500.0
        assert tenant["time_to_close"] == 1800.0
        default = await metrics("pipeline:default")
        assert default["deals_open"] == 1
        assert default["deals_open:Qualified"] == 1
        assert default["pipeline_value"] == 300.0
        assert (await metrics("agent:anna"))["deals_won"] == 1
