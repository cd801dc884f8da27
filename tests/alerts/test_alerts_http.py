"""Alert rules driven through real events over real HTTP on both engines, with the event clock:
pending for `for`, firing once, hysteresis, no flapping, time-based rules, quiet hours,
repeat, acknowledge and silence, and the webhook's retries as recorded in the history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.alerts.payloads import verify
from app.core.config import ClockKind, Settings
from tests.alerts.receivers import HttpReceiver, Reply, http_receiver
from tests.alerts.support import SECRET, Floor, base_ms, call, make_floor
from tests.conftest import RunningApp, start_app, stop_app
from tests.helpers import ev, eventually

S = 1000


@pytest.fixture
async def receiver() -> AsyncIterator[HttpReceiver]:
    async with http_receiver() as receiver:
        yield receiver


@pytest.fixture
async def floor(app_server: RunningApp, receiver: HttpReceiver) -> AsyncIterator[Floor]:
    async with make_floor(app_server, receiver) as floor:
        yield floor


def statuses(receiver: HttpReceiver) -> list[str]:
    return [
        r.json()["status"] + (" (repeat)" if r.json()["repeat"] else "") for r in receiver.requests
    ]


async def test_sl_rule_pends_for_2_minutes_fires_once_and_resolves_past_the_clear_line(
    floor: Floor, receiver: HttpReceiver
) -> None:
    receiver.script = [Reply(503), Reply(503)]
    rule = await floor.rule(
        name="Sales SL",
        metric="service_level",
        scope="queue:Sales",
        window="15m",
        op="<",
        threshold=0.8,
        clear_threshold=0.85,
        for_s=120,
        severity="critical",
    )
    t0 = base_ms()
    await floor.post(
        ev("agent.login", t0, agent="a1"),
        *call("c1", t0 + 1 * S, t0 + 31 * S, "a1", t0 + 40 * S),
        *call("c2", t0 + 41 * S, t0 + 71 * S, "a1", t0 + 80 * S),
    )
    [alert] = await floor.alerts()
    assert (alert["state"], alert["value"]) == ("pending", 0.0)
    started = datetime.fromisoformat(alert["started_at"])
    assert started == datetime.fromtimestamp((t0 + 80 * S) / 1000, UTC)

    await floor.post(ev("agent.login", t0 + 199 * S, agent="a2"))  # 1:59 into the breach
    assert [a["state"] for a in await floor.alerts()] == ["pending"]
    assert receiver.requests == []

    await floor.post(ev("agent.login", t0 + 200 * S, agent="a2"))  # 2:00
    [alert] = await floor.alerts()
    assert alert["state"] == "firing"
    await floor.settled()
    assert statuses(receiver) == ["firing"] * 3  # 503, 503, 200

    good = [
        e for i in range(10) for e in call(f"g{i}", t0 + (210 + i) * S, t0 + (212 + i) * S, "a2")
    ]
    await floor.post(*good)  # 10 of 12 within SL: 83 %, above 80 % but below the clear line
    [alert] = await floor.alerts()
    assert alert["state"] == "firing"

    better = [
        e for i in range(2) for e in call(f"h{i}", t0 + (230 + i) * S, t0 + (232 + i) * S, "a2")
    ]
    await floor.post(*better)  # 12 of 14: 85.7 %
    assert await floor.alerts() == []
    [resolved] = await floor.alerts("resolved", rule_id=rule["id"])
    assert resolved["value"] == pytest.approx(12 / 14)
    await floor.settled()

    assert statuses(receiver) == ["firing"] * 3 + ["resolved"]
    for request in receiver.requests:
        assert verify(SECRET, request.body, request.headers["x-floorwatch-signature"])
        assert request.json()["fingerprint"] == alert["fingerprint"]
    deliveries = await floor.deliveries()
    assert [(d["event"], d["status"], d["attempts"]) for d in deliveries] == [
        ("firing", "delivered", 3),
        ("resolved", "delivered", 1),
    ]
    assert await floor.transitions() == [
        ("normal", "pending"),
        ("pending", "firing"),
        ("firing", "resolved"),
    ]
    detail = (await floor.client.get(f"/v1/alerts/{alert['id']}")).json()
    assert [a["status_code"] for a in detail["deliveries"][0]["attempt_log"]] == [503, 503, 200]


async def test_a_hovering_value_neither_fires_early_nor_flaps(
    floor: Floor, receiver: HttpReceiver
) -> None:
    await floor.rule(
        metric="calls_waiting",
        scope="queue:Sales",
        op=">=",
        threshold=3,
        clear_threshold=2,
        for_s=30,
    )
    t0 = base_ms()
    queued = [ev("call.queued", t0, call_id=f"q{i}", queue="Sales") for i in range(3)]
    await floor.post(*queued)  # 3 waiting: pending
    t, n = t0, 3
    for _ in range(4):  # 3 -> 2 -> 3 -> 2 ... every 10 s: never 30 s in a row
        t += 10 * S
        await floor.post(ev("call.abandoned", t, call_id=f"q{n - 3}"))
        assert await floor.alerts() == []
        t += 10 * S
        await floor.post(ev("call.queued", t, call_id=f"q{n}", queue="Sales"))
        n += 1
        assert [a["state"] for a in await floor.alerts()] == ["pending"]
    await floor.post(ev("agent.login", t + 30 * S, agent="a1"))  # 3 waiting for 30 s
    assert [a["state"] for a in await floor.alerts()] == ["firing"]
    t += 30 * S
    for _ in range(4):  # hover between 3 and 2: inside the hysteresis band
        t += 5 * S
        await floor.post(ev("call.abandoned", t, call_id=f"q{n - 3}"))
        t += 5 * S
        await floor.post(ev("call.queued", t, call_id=f"q{n}", queue="Sales"))
        n += 1
        assert [a["state"] for a in await floor.alerts()] == ["firing"]
    t += 5 * S
    await floor.post(
        ev("call.abandoned", t, call_id=f"q{n - 3}"), ev("call.abandoned", t, call_id=f"q{n - 2}")
    )
    assert await floor.alerts() == []
    await floor.settled()
    assert statuses(receiver) == ["firing", "resolved"]
    assert await floor.transitions() == [
        *[("normal", "pending"), ("pending", "normal")] * 4,
        ("normal", "pending"),
        ("pending", "firing"),
        ("firing", "resolved"),
    ]


async def test_each_agent_of_north_on_break_over_20_minutes_fires_per_agent(
    floor: Floor, receiver: HttpReceiver
) -> None:
    """Notifications are written in the tenant's language (Polish here)."""
    assert (await floor.client.patch("/v1/tenant", json={"language": "pl"})).status_code == 200
    await floor.rule(
        name="Long break",
        metric="time_in_state",
        agent_state="break",
        scope="each_agent:team:North",
        op=">",
        threshold=1200,
    )
    t0 = base_ms()
    await floor.post(
        ev("agent.login", t0, agent="a1"),
        ev("agent.state", t0 + S, agent="a1", state="break", reason="lunch"),
        ev("agent.login", t0, agent="s1"),
        ev("agent.state", t0 + S, agent="s1", state="break", reason="lunch"),
        ev("agent.login", t0, agent="a2"),
    )
    await floor.post(ev("call.queued", t0 + 1200 * S, call_id="x", queue="Sales"))
    assert await floor.alerts() == []  # exactly 20 min is not more than 20 min
    await floor.post(ev("call.abandoned", t0 + 1202 * S, call_id="x"))
    [alert] = await floor.alerts()
    assert (alert["scope"], alert["team"], alert["state"]) == ("agent:a1", "North", "firing")
    assert alert["value"] == pytest.approx(1201)
    await floor.post(ev("agent.state", t0 + 1300 * S, agent="a1", state="available"))
    assert await floor.alerts() == []
    await floor.settled()
    assert statuses(receiver) == ["firing", "resolved"]
    assert {r.json()["alert"]["scope"] for r in receiver.requests} == {"agent:a1"}
    assert receiver.requests[0].json()["alert"]["summary"] == (
        "Long break: Czas w stanie – agent:a1: 20.0 min (alert gdy > 20.0 min)"
    )


async def test_quiet_hours_hold_notifications_back_until_they_end(
    app_server: RunningApp, receiver: HttpReceiver
) -> None:
    tz = "Europe/Warsaw"
    async with make_floor(app_server, receiver, tz=tz) as floor:
        await floor.rule(
            metric="calls_waiting",
            scope="tenant",
            op=">=",
            threshold=1,
            quiet_hours=[{"start": "17:00", "end": "18:00"}],
        )
        yesterday = datetime.now(ZoneInfo(tz)).date() - timedelta(days=1)
        at_1730 = datetime.combine(yesterday, datetime.min.time(), ZoneInfo(tz)) + timedelta(
            hours=17, minutes=30
        )
        t0 = int(at_1730.timestamp() * 1000)
        await floor.post(ev("call.queued", t0, call_id="c1", queue="Sales"))
        [alert] = await floor.alerts()
        assert alert["state"] == "firing"
        await floor.post(ev("agent.login", t0 + 29 * 60 * S, agent="a1"))  # 17:59
        await floor.settled()
        assert receiver.requests == []
        await floor.post(ev("agent.login", t0 + 30 * 60 * S, agent="a2"))  # 18:00
        await floor.settled()
        assert statuses(receiver) == ["firing"]
        await floor.post(ev("call.answered", t0 + 31 * 60 * S, call_id="c1", agent="a1"))
        await floor.settled()
        assert statuses(receiver) == ["firing", "resolved"]


async def test_repeat_interval_acknowledge_and_silence(
    floor: Floor, receiver: HttpReceiver
) -> None:
    await floor.rule(
        metric="calls_waiting", scope="queue:Sales", op=">=", threshold=1, repeat_interval_s=60
    )
    t0 = base_ms()
    await floor.post(ev("call.queued", t0, call_id="c1", queue="Sales"))
    await floor.post(ev("agent.login", t0 + 30 * S, agent="a1"))
    await floor.post(ev("agent.login", t0 + 60 * S, agent="a2"))
    await floor.settled()
    assert statuses(receiver) == ["firing", "firing (repeat)"]
    [alert] = await floor.alerts()

    response = await floor.client.post(
        f"/v1/alerts/{alert['id']}/acknowledge", json={"note": "on it"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["acknowledged_by"].startswith("API key #")
    await floor.post(ev("agent.logout", t0 + 200 * S, agent="a2"))
    await floor.settled()
    assert statuses(receiver) == ["firing", "firing (repeat)"]  # no reminder once acknowledged
    await floor.post(ev("call.answered", t0 + 210 * S, call_id="c1", agent="a1"))
    await floor.settled()
    assert statuses(receiver) == ["firing", "firing (repeat)", "resolved"]

    until = datetime.now(UTC) + timedelta(hours=1)
    response = await floor.client.post(
        f"/v1/alerts/{alert['id']}/silence", json={"until": until.isoformat()}
    )
    assert response.status_code == 200, response.text
    await floor.post(ev("call.queued", t0 + 220 * S, call_id="c2", queue="Sales"))
    [second] = await floor.alerts()
    assert second["fingerprint"] == alert["fingerprint"]
    assert second["id"] != alert["id"]
    assert second["silenced_until"] is not None
    await floor.post(ev("agent.login", t0 + 300 * S, agent="a2"))
    await floor.post(ev("call.answered", t0 + 310 * S, call_id="c2", agent="a2"))
    await floor.settled()
    assert len(receiver.requests) == 3  # silenced: neither firing, repeat nor resolved

    response = await floor.client.delete(f"/v1/alerts/{alert['id']}/silence")
    assert response.status_code == 200
    await floor.post(ev("call.queued", t0 + 320 * S, call_id="c3", queue="Sales"))
    await floor.settled()
    assert statuses(receiver)[3:] == ["firing"]
    kinds = [
        e["kind"]
        for e in (
            await floor.client.get(
                "/v1/alerts/history", params={"fingerprint": alert["fingerprint"]}
            )
        ).json()
        if e["kind"] != "transition"
    ]
    assert kinds == ["unsilenced", "silenced", "acknowledged"]
    conflict = await floor.client.post(f"/v1/alerts/{alert['id']}/acknowledge")
    assert conflict.status_code == 409


async def test_channels_never_show_secrets_and_keep_them_on_partial_update(
    floor: Floor,
) -> None:
    response = await floor.client.post(
        "/v1/alert-channels",
        json={
            "name": "chat",
            "settings": {"kind": "slack", "url": "https://hooks.slack.com/services/T0/B0/tok3n"},
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["settings"]["url"] == "https://hooks.slack.com/…"
    listed = (await floor.client.get("/v1/alert-channels")).text
    assert SECRET not in listed
    assert "tok3n" not in listed
    hook = (await floor.client.get(f"/v1/alert-channels/{floor.channel_id}")).json()
    assert hook["settings"]["has_secret"] is True
    assert "secret" not in hook["settings"]
    response = await floor.client.patch(
        f"/v1/alert-channels/{floor.channel_id}",
        json={"name": "renamed", "settings": {"timeout_s": 5}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["settings"]["has_secret"] is True
    bad = await floor.client.post(
        "/v1/alert-channels", json={"name": "x", "settings": {"kind": "webhook", "url": "ftp://x"}}
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][0]["field"] == "settings.webhook.url"


async def test_time_based_rule_fires_with_the_wall_clock_and_no_further_events(
    engine_settings: Settings, receiver: HttpReceiver
) -> None:
    running, task = await start_app(engine_settings.model_copy(update={"clock": ClockKind.wall}))
    try:
        async with make_floor(running, receiver) as floor:
            await floor.rule(metric="longest_wait", scope="queue:Sales", op=">", threshold=1.5)
            response = await floor.client.post(
                "/v1/events", json=[ev("call.queued", call_id="c1", queue="Sales")]
            )
            assert response.json()["accepted"] == 1

            async def fired() -> bool:
                return [a["state"] for a in await floor.alerts()] == ["firing"]

            await eventually(fired, timeout=10)
            [alert] = await floor.alerts()
            assert alert["value"] > 1.5
    finally:
        await stop_app(running, task)
