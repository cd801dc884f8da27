"""Hostile input on every ingest route, over real HTTP on both engines: oversized bodies
(declared and streamed), deep JSON, huge strings, invalid UTF-8, timestamps far in the past and
in the future, negative durations (a call's steps in reverse order) and unknown event types.

Whatever arrives, a route answers in its documented shape with a client status or 200 and a
reason for each refused record, never a server error; and the aggregator keeps serving metrics
that make sense (no negative time) afterwards.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import msgspec
import pytest

from app.core.config import ClockKind, Settings
from app.streams.aggregator import LIVE, WINDOWS
from tests.conftest import RunningApp, start_app, stop_app
from tests.helpers import eventually, make_tenant_key

SAMPLES = Path(__file__).resolve().parents[1] / "integrations" / "samples"
BODY_LIMIT = 128 * 1024
FAR_PAST_MS = int(datetime(1971, 1, 2, tzinfo=UTC).timestamp() * 1000)
FAR_FUTURE_MS = int(datetime(2999, 1, 1, tzinfo=UTC).timestamp() * 1000)
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

Retime = Callable[[int], int]


def iso_ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def ms_iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def retime_json(value: Any, shift: Retime, key: str = "") -> Any:
    """Every timestamp in a JSON record through `shift` (epoch ms): RFC 3339 strings, integer
    `ts` of canonical events, FreeSWITCH's `Event-Date-Timestamp` (microseconds)."""
    if isinstance(value, dict):
        return {k: retime_json(v, shift, k) for k, v in value.items()}
    if isinstance(value, list):
        return [retime_json(v, shift, key) for v in value]
    if key == "ts" and isinstance(value, int):
        return shift(value)
    if key == "Event-Date-Timestamp" and isinstance(value, str) and value.isdigit():
        return str(max(0, shift(int(value) // 1000)) * 1000)
    if isinstance(value, str) and ISO.match(value):
        return ms_iso(max(0, shift(iso_ms(value))))
    return value


def retime_form_lines(body: bytes, shift: Retime) -> bytes:
    lines = []
    for line in body.decode().splitlines():
        params = dict(parse_qsl(line, keep_blank_values=True))
        if params.get("TimestampMs", "").isdigit():
            params["TimestampMs"] = str(shift(int(params["TimestampMs"])))
        if params.get("Timestamp", "").isdigit():
            params["Timestamp"] = str(shift(int(params["Timestamp"]) * 1000) // 1000)
        elif params.get("Timestamp"):
            stamp = parsedate_to_datetime(params["Timestamp"])
            moved = shift(int(stamp.timestamp() * 1000))
            params["Timestamp"] = format_datetime(datetime.fromtimestamp(moved / 1000, UTC))
        lines.append(urlencode(params))
    return "\n".join(lines).encode()


def retime_queue_log(body: bytes, shift: Retime) -> bytes:
    lines = []
    for line in body.decode().splitlines():
        epoch, sep, rest = line.partition("|")
        if epoch.isdigit():
            epoch = str(shift(int(epoch) * 1000) // 1000)
        lines.append(epoch + sep + rest)
    return "\n".join(lines).encode()


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    content_type: str
    body: bytes
    """A valid body in the route's own format: a few calls, logins and states."""
    times: Callable[[bytes], list[int]]
    retime: Callable[[bytes, Retime], bytes]
    unknown_types: Callable[[bytes], bytes]


def collector() -> tuple[list[int], Retime]:
    """A `Retime` that changes nothing and notes every time it is shown."""
    found: list[int] = []

    def note(ms: int) -> int:
        found.append(ms)
        return ms

    return found, note


def json_times(body: bytes) -> list[int]:
    found, note = collector()
    retime_json(msgspec.json.decode(body), note)
    return found


def json_retime(body: bytes, shift: Retime) -> bytes:
    return msgspec.json.encode(retime_json(msgspec.json.decode(body), shift))


def json_retype(field: str) -> Callable[[bytes], bytes]:
    def retype(body: bytes) -> bytes:
        def walk(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: ("bogus.kind" if k == field else walk(v)) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v) for v in value]
            return value

        return msgspec.json.encode(walk(msgspec.json.decode(body)))

    return retype


def form_times(body: bytes) -> list[int]:
    found, note = collector()
    retime_form_lines(body, note)
    return found


def queue_log_times(body: bytes) -> list[int]:
    found, note = collector()
    retime_queue_log(body, note)
    return found


def canonical_sample() -> bytes:
    t = 1_709_542_800_000
    call = [
        ("call.queued", 0, {"queue": "Support"}),
        ("call.answered", 20_000, {"agent": "alice", "queue": "Support"}),
        ("call.hold", 40_000, {}),
        ("call.resumed", 50_000, {}),
        ("call.ended", 90_000, {}),
        ("call.wrapup_ended", 120_000, {}),
    ]
    events: list[dict[str, Any]] = [
        {"id": "login", "type": "agent.login", "ts": t - 60_000, "agent": "alice"},
        {"id": "avail", "type": "agent.state", "ts": t - 50_000, "agent": "alice"}
        | {"state": "available"},
    ]
    events += [
        {"id": f"c1-{kind}", "type": kind, "ts": t + offset, "call_id": "c1", **fields}
        for kind, offset, fields in call
    ]
    events.append({"id": "deal", "type": "deal.closed", "ts": t + 100_000, "agent": "alice"})
    events[-1]["amount"] = 120.0
    return msgspec.json.encode(events)


def ndjson(body: bytes) -> bytes:
    return b"\n".join(msgspec.json.encode(e) for e in msgspec.json.decode(body))


def routes() -> list[Route]:
    canonical = canonical_sample()
    return [
        Route(
            "events",
            "/v1/events",
            "application/json",
            canonical,
            json_times,
            json_retime,
            json_retype("type"),
        ),
        Route(
            "events-ndjson",
            "/v1/events",
            "application/x-ndjson",
            ndjson(canonical),
            lambda b: json_times(b"[" + b",".join(b.splitlines()) + b"]"),
            lambda b, f: ndjson(json_retime(b"[" + b",".join(b.splitlines()) + b"]", f)),
            lambda b: ndjson(json_retype("type")(b"[" + b",".join(b.splitlines()) + b"]")),
        ),
        Route(
            "asterisk",
            "/v1/integrations/asterisk/queue-log",
            "text/plain",
            (SAMPLES / "queue_log_asterisk18.log").read_bytes(),
            queue_log_times,
            retime_queue_log,
            lambda b: re.sub(rb"\|(ENTERQUEUE|CONNECT|COMPLETE\w+|ABANDON)\|", b"|BOGUS|", b),
        ),
        Route(
            "connect-agent-events",
            "/v1/integrations/connect/agent-events",
            "application/json",
            (SAMPLES / "connect_scenario_agent_events.json").read_bytes(),
            json_times,
            json_retime,
            json_retype("EventType"),
        ),
        Route(
            "connect-ctr",
            "/v1/integrations/connect/ctr",
            "application/json",
            (SAMPLES / "connect_scenario_ctr.json").read_bytes(),
            json_times,
            json_retime,
            json_retype("Channel"),
        ),
        Route(
            "freeswitch",
            "/v1/integrations/freeswitch/events",
            "application/json",
            (SAMPLES / "freeswitch_scenario_events.json").read_bytes(),
            json_times,
            json_retime,
            json_retype("CC-Action"),
        ),
        Route(
            "twilio",
            "/v1/integrations/twilio/taskrouter",
            "application/x-www-form-urlencoded",
            b"\n".join((SAMPLES / "twilio_scenario_callbacks.txt").read_bytes().splitlines()[:1]),
            form_times,
            retime_form_lines,
            lambda b: re.sub(rb"EventType=[\w.-]+", b"EventType=bogus.kind", b),
        ),
    ]


ROUTES = {route.name: route for route in routes()}


@pytest.fixture
async def server(engine_settings: Settings) -> AsyncIterator[RunningApp]:
    settings = engine_settings.model_copy(
        update={"max_body_bytes": BODY_LIMIT, "clock": ClockKind.event}
    )
    running, task = await start_app(settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


def shifted_to(start_ms: int, times: list[int]) -> Retime:
    first = min(times)
    return lambda ms: start_ms + (ms - first)


def reversed_in_time(times: list[int]) -> Retime:
    """The last step first: waits, talk, hold and wrap-up all come out negative."""
    first, last = min(times), max(times)
    return lambda ms: first + (last - ms)


def answers(route: Route) -> Iterator[tuple[str, bytes, set[int]]]:
    """(case, body, the statuses it may answer) for one route."""
    body, times = route.body, route.times(route.body)
    single = route.name == "twilio"  # one callback per request
    yield "far past", route.retime(body, shifted_to(FAR_PAST_MS, times)), {200}
    yield "far future", route.retime(body, shifted_to(FAR_FUTURE_MS, times)), {200, 422}
    yield "reversed", route.retime(body, reversed_in_time(times)), {200}
    yield "unknown types", route.unknown_types(body), {200, 422}
    garbled = re.sub(rb"(alice|Support|support)", b"al\xff\xfeice", body, count=1)
    yield "invalid UTF-8", garbled, {200, 400, 422}
    huge = re.sub(rb"(alice|Support|support)", b"Q" * 30_000, body, count=1 if single else 2)
    yield "huge string", huge, {200, 422}
    deep = b"[" * 100_000 + b"]" * 100_000
    yield "deep JSON", deep[: BODY_LIMIT // 2] + deep[-BODY_LIMIT // 2 :], {200, 400, 422}


def check_answer(route: Route, case: str, response: httpx.Response, allowed: set[int]) -> None:
    where = f"{route.name} / {case}: {response.status_code} {response.text[:300]}"
    assert response.status_code in allowed, where
    answer = response.json()
    if response.status_code in (400, 413):
        assert answer["error"]["message"], where
        return
    if route.path == "/v1/events":
        assert answer["received"] == answer["accepted"] + answer["duplicates"] + len(
            answer["rejected"]
        ), where
        assert all(r["reason"] for r in answer["rejected"]), where
    else:
        refused = answer["errors"] + answer["rejected"]
        assert all(r["reason"] for r in refused), where
        assert answer["events"] == answer["accepted"] + answer["duplicates"] + len(
            answer["rejected"]
        ), where
    if case == "far future":
        assert answer["accepted"] == 0, where
        rejected = answer["rejected"]
        assert rejected, where
        assert all("in the future" in r["reason"] for r in rejected), where
    if case == "unknown types":
        accepted_everything = answer["accepted"] == len(route.times(route.body))
        assert not accepted_everything, where
    if case == "far past":
        assert answer["accepted"] > 0, where


async def aggregated(client: httpx.AsyncClient, accepted: int) -> None:
    async def counted() -> bool:
        counts = (await client.get("/v1/metrics/events")).json()
        return bool(sum(counts.values()) == accepted)

    await eventually(counted)


async def metrics_make_sense(client: httpx.AsyncClient) -> dict[str, Any]:
    """Every window's metrics (no time or count below zero); those of `today`."""
    response = await client.get("/v1/metrics", params={"window": [LIVE, *WINDOWS]})
    assert response.status_code == 200, response.text
    for snapshot in response.json():
        for name, value in snapshot["metrics"].items():
            assert value is None or value >= 0, (snapshot["window"], name, value)
    today: dict[str, Any] = next(s["metrics"] for s in response.json() if s["window"] == "today")
    return today


@pytest.mark.parametrize("route_name", sorted(ROUTES))
async def test_hostile_bodies_get_clear_answers(server: RunningApp, route_name: str) -> None:
    route = ROUTES[route_name]
    database_url = server.settings.database_url
    for case, body, allowed in answers(route):
        _, key = await make_tenant_key(database_url)
        async with server.client(key) as client:
            response = await client.post(
                route.path, content=body, headers={"Content-Type": route.content_type}
            )
            check_answer(route, case, response, allowed)
            await aggregated(client, response.json().get("accepted", 0))
            today = await metrics_make_sense(client)
            if route.path == "/v1/events" and case == "far past":
                assert today["handled"] == 1, today  # the call of 1971 counts in its day
                assert today["aht"] > 0, today


@pytest.mark.parametrize("route_name", sorted(ROUTES))
async def test_oversized_bodies_are_413_declared_or_streamed(
    server: RunningApp, route_name: str
) -> None:
    route = ROUTES[route_name]
    _, key = await make_tenant_key(server.settings.database_url)
    big = route.body * (BODY_LIMIT // len(route.body) + 2)

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    headers = {"Content-Type": route.content_type}
    async with server.client(key) as client:
        declared = await client.post(route.path, content=big, headers=headers)
        chunked = await client.post(route.path, content=streamed(), headers=headers)
        still = await client.get("/readyz")
    for response in (declared, chunked):
        assert response.status_code == 413, (route.name, response.text[:200])
        assert str(BODY_LIMIT) in response.json()["error"]["message"]
    assert still.status_code == 200


async def test_a_client_hanging_up_mid_body_is_499_and_keeps_nothing(
    server: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    """wrk, a dialer restarting, a flaky link: the body stops short. Nothing of it is ingested,
    the request counts as 499 (nginx's "client closed request") and no traceback is logged."""
    from urllib.parse import urlsplit

    from app.core.telemetry import REGISTRY

    _, key = await make_tenant_key(server.settings.database_url)
    event = b'{"id":"half-1","type":"agent.login","ts":"2026-01-05T09:00:00Z","agent":"a1"}'
    labels = {"method": "POST", "route": "/v1/events", "status": "499"}

    def closed() -> float:
        return REGISTRY.get_sample_value("floorwatch_http_requests_total", labels) or 0.0

    before = closed()
    url = urlsplit(server.base_url)
    _, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(
        b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {key}\r\nContent-Length: 100000\r\n\r\n".encode()
        + b"["
        + event
    )
    await writer.drain()
    writer.close()
    await writer.wait_closed()

    async def counted() -> bool:
        return closed() == before + 1

    await eventually(counted)
    assert not [r for r in caplog.records if r.exc_info], "a hang-up is not a server fault"
    async with server.client(key) as client:
        after = await client.post("/v1/events", json=[msgspec.json.decode(event)])
    assert after.json()["accepted"] == 1, "the half-sent event was never kept"
