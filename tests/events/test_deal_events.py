"""The pipeline events (`deal.created`, `deal.stage_changed`, `deal.won`, `deal.lost`): what
the schema accepts and refuses, and a mixed batch through the real ingest API."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from app.events.schemas import (
    AnyEvent,
    CallAnswered,
    DealCreated,
    DealLost,
    DealStageChanged,
    DealWon,
)
from tests.conftest import RunningApp
from tests.helpers import ev, eventually, make_tenant_key, now_ms

decode = msgspec.json.Decoder(AnyEvent).decode


def one(**fields: Any) -> AnyEvent:
    return decode(msgspec.json.encode({"id": "x", "ts": 1, **fields}))


def test_created_takes_its_defaults() -> None:
    event = one(type="deal.created", deal_id="d1")
    assert event == DealCreated(id="x", ts=1, deal_id="d1")
    assert (event.stage, event.pipeline, event.amount, event.agent) == (
        "new",
        "default",
        None,
        None,
    )


def test_every_optional_field_is_read() -> None:
    created = one(
        type="deal.created",
        deal_id="d1",
        agent="ann",
        stage="qualified",
        pipeline="b2b",
        amount=1200.5,
        currency="EUR",
        source="web",
    )
    assert created == DealCreated(
        id="x",
        ts=1,
        deal_id="d1",
        agent="ann",
        stage="qualified",
        pipeline="b2b",
        amount=1200.5,
        currency="EUR",
        source="web",
    )
    assert one(type="deal.stage_changed", deal_id="d1", stage="offer", agent="bob") == (
        DealStageChanged(id="x", ts=1, deal_id="d1", stage="offer", agent="bob")
    )
    assert one(type="deal.won", deal_id="d1", amount=0, agent="bob", call_id="c1") == DealWon(
        id="x", ts=1, deal_id="d1", amount=0.0, agent="bob", call_id="c1"
    )
    assert one(type="deal.lost", deal_id="d1", reason="price") == DealLost(
        id="x", ts=1, deal_id="d1", reason="price"
    )
    assert one(type="call.answered", call_id="c1", deal_id="d1") == CallAnswered(
        id="x", ts=1, call_id="c1", deal_id="d1"
    )


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"type": "deal.created"}, "deal_id"),
        ({"type": "deal.created", "deal_id": ""}, "$.deal_id"),
        ({"type": "deal.created", "deal_id": "d", "amount": -1}, "$.amount"),
        ({"type": "deal.created", "deal_id": "d", "currency": "EURO"}, "$.currency"),
        ({"type": "deal.created", "deal_id": "d", "stage": ""}, "$.stage"),
        ({"type": "deal.stage_changed", "deal_id": "d"}, "stage"),
        ({"type": "deal.won", "deal_id": "d", "amount": "12"}, "$.amount"),
        ({"type": "deal.won", "deal_id": "d", "amount": 2e12}, "$.amount"),
        ({"type": "deal.lost", "deal_id": "d", "reason": "r" * 129}, "$.reason"),
        ({"type": "call.ended", "call_id": "c", "deal_id": 5}, "$.deal_id"),
    ],
)
def test_bad_fields_are_named(fields: dict[str, Any], where: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=where.replace("$", r"\$")):
        one(**fields)


async def test_a_batch_of_pipeline_events_is_kept_and_counted(app_server: RunningApp) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    t = now_ms() - 60_000
    batch = [
        ev("deal.created", t, deal_id="d1", agent="ann", amount=500, stage="new"),
        ev("deal.stage_changed", t + 1, deal_id="d1", stage="offer"),
        ev("deal.won", t + 2, deal_id="d1"),
        ev("deal.lost", t + 3, deal_id="d2", reason="price"),
        ev("deal.won", t + 4, amount=-5, deal_id="d3"),
        ev("call.queued", t + 5, call_id="c1", queue="Sales", deal_id="d1"),
        ev("deal.stage_changed", t + 6, deal_id="d4"),
    ]
    async with app_server.client(key) as client:
        response = await client.post("/v1/events", json=batch)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["accepted"] == 5
        reasons = {r["index"]: r["reason"] for r in body["rejected"]}
        assert sorted(reasons) == [4, 6]
        assert "$.amount" in reasons[4]
        assert "stage" in reasons[6]

        expected = {
            "deal.created": 1,
            "deal.stage_changed": 1,
            "deal.won": 1,
            "deal.lost": 1,
            "call.queued": 1,
        }

        async def counted() -> bool:
            return bool((await client.get("/v1/metrics/events")).json() == expected)

        await eventually(counted)
