"""The logs of a real `floorwatch serve` process at DEBUG with JSON logs: every line is one JSON
object, each request is logged once with the id it answered in `X-Request-ID`, and no secret
that went through the server (API keys, a personal token, a password, the session cookie and
its CSRF token, the metrics token, a key in basic auth, a key in a query string, a wrong bearer
token, a 429) appears anywhere in them."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from app.core.migrate import upgrade
from tests.api.live_server import provision, serve, server_env
from tests.auth.support import session_cookie_of

METRICS_TOKEN = "metrics-token-0123456789abcdef"
WRONG_KEY = "fw_thisIsNotAKeyButLooksLikeOne_0123456789"


async def exercise(base_url: str, credentials: object) -> tuple[list[str], list[str]]:
    """Calls that carry every kind of secret; returns (secrets sent, request ids answered)."""
    from tests.api.live_server import Credentials

    assert isinstance(credentials, Credentials)
    ids: list[str] = []
    secrets = [*credentials.secrets, METRICS_TOKEN, WRONG_KEY]
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:

        async def call(method: str, url: str, **kwargs: object) -> httpx.Response:
            answer = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
            ids.append(answer.headers["x-request-id"])
            return answer

        login = await call(
            "POST",
            "/v1/auth/login",
            json={"tenant": credentials.tenant, "username": "boss", "password": "wrong one!"},
        )
        assert login.status_code == 401
        login = await call(
            "POST",
            "/v1/auth/login",
            json={
                "tenant": credentials.tenant,
                "username": credentials.admin_username,
                "password": credentials.password,
            },
        )
        assert login.status_code == 200
        cookie, _ = session_cookie_of(login)
        csrf = login.json()["csrf_token"]
        secrets += [cookie, csrf, "wrong one!"]
        session = {"Cookie": f"fw_session={cookie}", "X-CSRF-Token": csrf}
        said = "Gwarantuję, że rata nie wzrośnie."  # personal data: a transcript segment
        # phrase spotting set up first: the engine picks the settings up within a few ticks
        phrase_setup = [
            ("POST", "/v1/phrase-lists",
             {"name": "obietnice", "kind": "banned", "phrases": ["gwarantuję*"]}),
            ("PUT", "/v1/phrase-settings", {"keep_segments": True}),
            ("POST", "/v1/alert-rules",
             {"name": "Banned", "metric": "banned_phrase", "scope": "each_agent", "op": ">",
              "threshold": 0}),
        ]  # fmt: skip
        for method, path, body in phrase_setup:
            made = await call(method, path, json=body, headers=session)
            assert made.status_code in (200, 201), made.text
        created = await call(
            "POST", "/v1/api-keys", json={"name": "k", "scopes": ["ingest"]}, headers=session
        )
        secrets.append(created.json()["key"])
        bearer = credentials.bearer
        assert (
            await call("POST", "/v1/events", json=[], headers=bearer(credentials.ingest_key))
        ).status_code == 200
        assert (await call("GET", "/v1/teams", headers=bearer(WRONG_KEY))).status_code == 401
        assert (await call("GET", f"/v1/teams?token={credentials.admin_key}")).status_code == 401
        assert (
            await call("GET", "/v1/auth/me", headers=bearer(credentials.admin_token))
        ).status_code == 200
        basic = base64.b64encode(f"twilio:{credentials.ingest_key}".encode()).decode()
        twilio = await call(
            "POST",
            "/v1/integrations/twilio/taskrouter",
            content=b"EventType=task.created&TaskSid=WT1&Timestamp=1700000000",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        assert twilio.status_code == 200
        hubspot_secret = "hubspot-client-secret-0d3e6c1b"
        hubspot = await call(
            "PUT",
            "/v1/integrations/crm/hubspot/settings",
            json={"client_secret": hubspot_secret},
            headers=session,
        )
        assert hubspot.status_code == 200
        secrets.append(hubspot_secret)
        now = int(time.time() * 1000)
        caller = "+48601234567"  # personal data: a caller's number, whole and as national digits
        missed = [
            {"id": "log-q", "type": "call.queued", "ts": 1_700_000_000_000, "call_id": "lq",
             "queue": "Sales", "caller": caller},
            {"id": "log-a", "type": "call.abandoned", "ts": 1_700_000_090_000, "call_id": "lq"},
            {"id": "log-bad", "type": "call.queued", "ts": 1_700_000_000_000, "call_id": "lb",
             "queue": "Sales", "caller": "601234567x"},
            # and again now: on the list for the socket below (the miss of 2023 has expired)
            {"id": "log-q2", "type": "call.queued", "ts": now - 60_000, "call_id": "lq2",
             "queue": "Sales", "caller": "+48 601 234 567"},
            {"id": "log-a2", "type": "call.abandoned", "ts": now - 20_000, "call_id": "lq2"},
        ]  # fmt: skip
        posted = await call(
            "POST", "/v1/events", json=missed, headers=bearer(credentials.ingest_key)
        )
        [refused] = posted.json()["rejected"]
        assert "601234567" not in refused["reason"]  # refused without repeating the value
        listed = await call("GET", "/v1/callbacks?status=all", headers=session)
        assert listed.status_code == 200, listed.text
        secrets.append("601234567")
        now = int(time.time() * 1000)
        spoken = [
            {"id": "log-pq", "type": "call.queued", "ts": now, "call_id": "lp", "queue": "Sales"},
            {"id": "log-pa", "type": "call.answered", "ts": now + 1, "call_id": "lp",
             "agent": "a1"},
            {"id": "log-pt", "type": "call.transcript", "ts": now + 2, "call_id": "lp",
             "role": "agent", "text": said},
        ]  # fmt: skip
        ingest = {"Authorization": f"Bearer {created.json()['key']}"}
        assert (await call("POST", "/v1/events", json=spoken, headers=ingest)).status_code == 200
        deadline = time.monotonic() + 20
        alerts: list[dict[str, object]] = []
        while not alerts and time.monotonic() < deadline:  # the alert fires within a tick
            alerts = (await call("GET", "/v1/alerts", headers=session)).json()
            if not alerts:
                await asyncio.sleep(0.05)
        assert [a["phrase"]["text"] for a in alerts] == [said]  # type: ignore[index]
        secrets.append(said)
        limited = [
            (await call("GET", "/v1/teams", headers=bearer(credentials.read_key))).status_code
            for _ in range(4)
        ]
        assert limited[-1] == 429
        metrics = await call("GET", "/metrics", headers=bearer(METRICS_TOKEN))
        assert metrics.status_code == 200
    ws_url = base_url.replace("http", "ws", 1) + f"/v1/ws?token={credentials.read_key}"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(ws_url):
            pass
    assert refused.value.response.status_code == 400
    headers = {"Authorization": f"Bearer {credentials.read_key}", "Cookie": f"fw_session={cookie}"}
    async with connect(base_url.replace("http", "ws", 1) + "/v1/ws") as ws:
        await ws.send(orjson.dumps({"v": 1, "type": "auth", "token": credentials.admin_token}))
        assert orjson.loads(await ws.recv())["type"] == "welcome"
        # an admin's socket carries the caller's number whole (the WebSocket library logs the
        # frame at DEBUG); the log must not
        await ws.send(orjson.dumps({"v": 1, "type": "subscribe", "topics": ["callbacks:tenant"]}))
        async with asyncio.timeout(30):  # a snapshot, then a delta once the miss is applied
            while "+48601234567" not in str(await ws.recv()):
                pass
    async with connect(base_url.replace("http", "ws", 1) + "/v1/ws", additional_headers=headers):
        pass
    return secrets, ids


async def test_json_logs_with_request_ids_and_no_secret(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'logs.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    credentials = await provision(url)
    env = server_env(
        url,
        log_level="DEBUG",
        log_json="true",
        metrics_token=METRICS_TOKEN,
        rate_limit_api_key="3",
        rate_limit_window_s="86400",
    )
    with serve(env, tmp_path / "server.log") as server:
        secrets, ids = await exercise(server.base_url, credentials)
    logged = server.log()
    lines = [line for line in logged.splitlines() if line.strip()]
    records = [orjson.loads(line) for line in lines]  # every line is one JSON object
    requests = [r for r in records if r.get("event") == "request"]
    assert len(lines) > 20
    assert all({"event", "level", "timestamp"} <= r.keys() for r in records)
    logged_ids = [r["request_id"] for r in requests]
    for request_id in ids:
        assert logged_ids.count(request_id) == 1, request_id
    assert all("?" not in r["path"] for r in requests)
    for secret in secrets:
        assert secret not in logged, f"a secret was logged: {secret[:6]}…"


def test_caller_numbers_in_library_lines_are_redacted() -> None:
    """What the WebSocket library logs of a frame to a supervisor (a call-back row) keeps no
    number; other fields stay readable."""
    from app.core.logging import redact

    frame = (
        """> TEXT '{"type":"delta","set":{"7":{"id":7,"number":"+48601234567","queue":"Sales"}}}'"""
    )
    logged = redact(frame)
    assert "601234567" not in logged
    assert '"queue":"Sales"' in logged
    assert '"id":7' in logged
    assert "601234567" not in redact("caller=+48601234567 queue=Sales")
