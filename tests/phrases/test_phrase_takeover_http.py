"""Phrase spotting across a restart of the redis engine: the first half of the transcript set
goes to one server, which stops; a new server takes the partitions over from their checkpoints
and the log's tail, gets the second half, and the figures and the hits are exactly those of a
run that never stopped — in the day's KPI report too, whose phrase facts the replayed tail may
write again, never counted twice."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from app.auth.roles import Role
from app.core.config import ClockKind, Settings
from app.core.redis_client import connect_redis
from app.streams.keys import Keys, partition_of
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import engine_settings_of, start_app, stop_app
from tests.helpers import eventually, make_tenant_key
from tests.phrases.test_phrase_scenario import TENANT
from tests.phrases.transcripts import LISTS, events

CUT = 20


@pytest.fixture(params=["redis"])
def redis_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return engine_settings_of(request, tmp_path).model_copy(update={"clock": ClockKind.event})


async def test_a_restarted_engine_continues_exactly(redis_settings: Settings) -> None:
    url = redis_settings.database_url
    tenant_id, key = await make_tenant_key(url)
    await make_org(url, tenant_id, {"alfa": ["anna", "piotr"], "bravo": ["john", "kate"]}, ())
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    stream = events()

    first, task = await start_app(redis_settings)
    try:
        async with first.client(admin.token) as c:
            for pl in LISTS:
                body = msgspec.to_builtins(pl)
                body["phrases"] = list(pl.phrases)
                assert (await c.post("/v1/phrase-lists", json=body)).status_code == 201
        async with first.client(key) as c:
            sent = await c.post("/v1/events", content=msgspec.json.encode(stream[:CUT]))
            assert sent.json()["accepted"] == CUT

            async def applied() -> bool:
                progress = (await c.get("/v1/events/progress")).json()
                return bool(progress["caught_up"])

            await eventually(applied, timeout=20)
    finally:
        await stop_app(first, task)
    redis = connect_redis(redis_settings.redis_url)
    try:
        partition = partition_of(tenant_id, redis_settings.partitions)
        saved = await redis.get(Keys(redis_settings.redis_prefix).checkpoint(partition))
        assert saved  # the second server starts from it, not from the start of the log
        assert b"Anna Nowak" not in saved  # matches are kept, not what was said
    finally:
        await redis.aclose()

    second, task = await start_app(redis_settings)
    try:
        async with second.client(key) as c:
            sent = await c.post("/v1/events", content=msgspec.json.encode(stream[CUT:]))
            assert sent.json()["accepted"] == len(stream) - CUT

            async def exact() -> bool:
                got = await c.get("/v1/metrics", params={"scope": "tenant", "window": "today"})
                metrics = got.json()[0]["metrics"]
                return all(metrics.get(name) == value for name, value in TENANT.items())

            await eventually(exact, timeout=30)

            async def reported() -> bool:
                got = await c.get(
                    "/v1/reports/kpi", params={"from": "2026-03-02", "to": "2026-03-02"}
                )
                metrics = got.json()["rows"][0]["metrics"]
                return {name: metrics.get(name) for name in TENANT} == TENANT

            await eventually(reported, timeout=30)
        async with second.client(admin.token) as c:
            hits = (await c.get("/v1/phrase-hits")).json()
            assert [h["seq"] for h in hits] == list(range(1, 24))
            assert [h["phrase"] for h in hits if h["kind"] == "banned"] == [
                "gwarantuję*", "obiecuję*", "I guarantee", "no risk at all",
            ]  # fmt: skip
    finally:
        await stop_app(second, task)
