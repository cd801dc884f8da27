"""The adapter endpoints over real HTTP: each platform's own format in, the same canonical
events as the adapter produces out, and Twilio's basic-auth key and signature checks."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.config import EngineKind
from app.events.schemas import event_type
from app.integrations.twilio import compute_twilio_signature, parse_form
from tests.conftest import RunningApp, make_settings, start_app, stop_app
from tests.helpers import eventually, make_tenant_key
from tests.integrations.golden import SAMPLES
from tests.integrations.platform_scenario import scenario_result

TWILIO_TOKEN = "12345678901234567890123456789012"


@pytest.fixture
async def server(sqlite_url: str) -> AsyncIterator[RunningApp]:
    settings = make_settings(
        engine=EngineKind.memory,
        database_url=sqlite_url,
        clock="event",
        twilio_auth_token=TWILIO_TOKEN,
    )
    running, task = await start_app(settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


def expected_counts(platform: str) -> Counter[str]:
    return Counter(event_type(e) for e in scenario_result(platform).events)  # type: ignore[arg-type]


async def counts_reach(running: RunningApp, key: str, expected: Counter[str]) -> None:
    async with running.client(key) as client:

        async def reached() -> bool:
            got = (await client.get("/v1/metrics/events")).json()
            return bool(got == dict(expected))

        await eventually(reached)


@pytest.mark.parametrize(
    ("platform", "path", "sample", "content_type"),
    [
        (
            "freeswitch",
            "/v1/integrations/freeswitch/events?wrapup_seconds=30",
            "freeswitch_scenario_events.json",
            "application/json",
        ),
    ],
)
async def test_json_adapter_endpoint(
    server: RunningApp, platform: str, path: str, sample: str, content_type: str
) -> None:
    _, key = await make_tenant_key(server.settings.database_url)
    async with server.client(key) as client:
        reply = await client.post(
            path, content=(SAMPLES / sample).read_bytes(), headers={"Content-Type": content_type}
        )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    expected = expected_counts(platform)
    assert body["accepted"] == sum(expected.values())
    assert body["errors"] == []
    await counts_reach(server, key, expected)


async def test_connect_endpoints(server: RunningApp) -> None:
    _, key = await make_tenant_key(server.settings.database_url)
    async with server.client(key) as client:
        agents = await client.post(
            "/v1/integrations/connect/agent-events",
            content=(SAMPLES / "connect_scenario_agent_events.json").read_bytes(),
        )
        ctr = await client.post(
            "/v1/integrations/connect/ctr",
            content=(SAMPLES / "connect_scenario_ctr.json").read_bytes(),
        )
        again = await client.post(
            "/v1/integrations/connect/ctr",
            content=(SAMPLES / "connect_scenario_ctr.json").read_bytes(),
        )
    assert agents.status_code == ctr.status_code == 200
    assert again.json()["accepted"] == 0  # a re-sent CTR never counts twice
    await counts_reach(server, key, expected_counts("connect"))


async def test_asterisk_endpoint_reports_bad_lines_by_number(server: RunningApp) -> None:
    _, key = await make_tenant_key(server.settings.database_url)
    lines = (
        "1709542800|1709542800.1|support|NONE|ENTERQUEUE||5551234|1\n"
        "this is not a queue_log line\n"
        "1709542805|1709542800.1|support|PJSIP/alice|CONNECT|5|1709542800.2|3\n"
        "1709542810|1709542800.1|support|PJSIP/alice|MYCUSTOMEVENT|x\n"
    )
    async with server.client(key) as client:
        reply = await client.post(
            "/v1/integrations/asterisk/queue-log",
            content=lines,
            headers={"Content-Type": "text/plain"},
        )
    body = reply.json()
    assert reply.status_code == 200
    assert body["accepted"] == 2
    assert [e["line"] for e in body["errors"]] == [2]
    assert sum(body["skipped"].values()) == 1


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"twilio:{key}".encode()).decode()}


async def test_twilio_basic_auth_and_signature(server: RunningApp) -> None:
    _, key = await make_tenant_key(server.settings.database_url)
    url = f"{server.base_url}/v1/integrations/twilio/taskrouter"
    lines = Path(SAMPLES / "twilio_scenario_callbacks.txt").read_bytes().splitlines()
    async with server.client() as client:
        unsigned = await client.post(
            url,
            content=lines[0],
            headers={**basic(key), "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert unsigned.status_code == 403
        anonymous = await client.post(url, content=lines[0])
        assert anonymous.status_code == 401
        for line in lines:
            signature = compute_twilio_signature(TWILIO_TOKEN, url, parse_form(line))
            reply = await client.post(
                url,
                content=line,
                headers={
                    **basic(key),
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                },
            )
            assert reply.status_code == 200, reply.text
        forged = await client.post(
            url,
            content=lines[0],
            headers={
                **basic(key),
                "X-Twilio-Signature": compute_twilio_signature("x" * 32, url, parse_form(lines[0])),
            },
        )
        assert forged.status_code == 403
    await counts_reach(server, key, expected_counts("twilio"))
