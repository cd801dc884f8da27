"""Scheduled e-mailed reports over real HTTP and a real SMTP server (aiosmtpd), both engines:
who may schedule what (a team lead: their teams, through channels they manage), bad input
refused with the field, the CSV of yesterday's calls attached, and exactly one mail per period
when senders race (two at once, again later, and the app's own background loop)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import httpx

from app.auth.keys import Scope
from app.auth.roles import Role
from app.report_mail.sender import due_period, send_due
from tests.alerts.receivers import smtp_server
from tests.alerts.test_delivery import email
from tests.auth.support import bearer, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import ev, make_tenant_key
from tests.reports.support import wait_for_calls


async def call(
    app: RunningApp, method: str, path: str, headers: dict[str, str], body: Any = None
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, json=body)


def attached_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def test_the_period_due_follows_the_local_clock() -> None:
    wed_6 = datetime(2026, 12, 9, 6, 30)  # a Wednesday
    assert due_period("daily", None, 7, wed_6) is None
    daily = due_period("daily", None, 7, wed_6 + timedelta(hours=1))
    assert daily is not None
    assert (daily.key, str(daily.first), str(daily.last)) == (
        "2026-12-09",
        "2026-12-08",
        "2026-12-08",
    )
    assert due_period("weekly", 3, 7, wed_6 + timedelta(hours=1)) is None  # Thursday's
    weekly = due_period("weekly", 0, 7, wed_6)  # Monday's moment has passed this week
    assert weekly is not None
    assert (weekly.key, str(weekly.first), str(weekly.last)) == (
        "2026-W50", "2026-11-30", "2026-12-06",
    )  # fmt: skip


async def test_schedules_are_scoped_and_sent_once_per_period(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, {Scope.read, Scope.admin, Scope.ingest})
    admin = bearer(key)
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]}, ("Sales",))
    lead = (
        await make_token(
            url, await make_user(url, tenant_id, "lead", Role.team_lead, teams=("North",))
        )
    ).headers()
    yesterday = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    t0 = int((yesterday - timedelta(days=1)).timestamp() * 1000)
    events = []
    for i, agent in enumerate(("n1", "n1", "s1")):
        start = t0 + i * 60_000
        events += [
            ev("call.queued", start, call_id=f"c{i}", queue="Sales"),
            ev("call.answered", start + 5000, call_id=f"c{i}", agent=agent),
            ev("call.ended", start + 30_000, call_id=f"c{i}"),
        ]
    async with app_server.client(key) as http:
        assert (await http.post("/v1/events", json=events)).status_code == 200

    with smtp_server() as (mailbox, port):
        channels = {}
        for name, team in (("Ops mail", None), ("North mail", "North")):
            made = await call(
                app_server, "POST", "/v1/alert-channels", admin,
                {"name": name, "settings": email(port, "unused@example.com"), "team": team},
            )  # fmt: skip
            assert made.status_code == 201, made.text
            channels[name] = made.json()["id"]
        floor = {
            "name": "Floor daily", "frequency": "daily", "hour": 0,
            "recipients": ["boss@example.com", "Ops <ops@example.com>"],
            "channel_id": channels["Ops mail"],
        }  # fmt: skip
        made = await call(app_server, "POST", "/v1/report-schedules", admin, floor)
        assert made.status_code == 201, made.text
        north = {
            **floor, "name": "North daily", "team": "North", "group_by": "agent",
            "recipients": ["lead@example.com"], "channel_id": channels["North mail"],
        }  # fmt: skip
        refused = [
            ({**north, "team": None}, 403, None),
            ({**north, "team": "South"}, 403, None),
            ({**north, "channel_id": channels["Ops mail"]}, 400, "channel_id"),
            ({**north, "frequency": "weekly"}, 422, "body"),
            ({**north, "recipients": ["not an address"]}, 422, "body.recipients.0"),
            ({**north, "hour": 24}, 422, "body.hour"),
            ({**north, "group_by": "queue"}, 422, "body"),  # a queue's rows are the floor's
        ]
        for body, status, field in refused:
            reply = await call(app_server, "POST", "/v1/report-schedules", lead, body)
            assert reply.status_code == status, (body, reply.text)
            if field:
                assert reply.json()["error"]["details"][0]["field"] == field, reply.text
        made = await call(app_server, "POST", "/v1/report-schedules", lead, north)
        assert made.status_code == 201, made.text
        listed = await call(app_server, "GET", "/v1/report-schedules", lead)
        assert [s["name"] for s in listed.json()] == ["North daily"]

        await wait_for_calls(app_server, tenant_id, 3)
        services = app_server.services
        await asyncio.gather(send_due(services, "process-a"), send_due(services, "process-b"))
        await send_due(services, "process-c")  # later in the same period: nothing more
        assert len(mailbox.messages) == 2, [m["Subject"] for _, m in mailbox.messages]

        by_to = {m["To"]: (envelope, m) for envelope, m in mailbox.messages}
        envelope, message = by_to["boss@example.com, Ops <ops@example.com>"]
        assert sorted(envelope.rcpt_tos) == ["boss@example.com", "ops@example.com"]
        day = (yesterday - timedelta(days=1)).date().isoformat()
        subject = str(make_header(decode_header(message["Subject"])))
        assert subject == f"Floorwatch report: Floor daily ({day} – {day})"
        [attachment] = [p for p in message.walk() if p.get_filename()]
        assert attachment.get_filename() == f"kpi_tenant_day_{day}_{day}.csv"
        rows = list(csv.DictReader(io.StringIO(attached_text(attachment))))
        assert [(r["start"][:10], r["answered"]) for r in rows] == [(day, "3")]

        _, lead_mail = by_to["lead@example.com"]
        [lead_csv] = [p for p in lead_mail.walk() if p.get_filename()]
        lead_rows = list(csv.DictReader(io.StringIO(attached_text(lead_csv))))
        assert {(r["agent"], r["answered"]) for r in lead_rows} == {("n1", "2")}  # no South

        sent = await call(app_server, "GET", "/v1/report-schedules", admin)
        assert {s["last_period"] for s in sent.json()} == {datetime.now(UTC).date().isoformat()}
        assert all(s["last_error"] is None for s in sent.json())
        gone = await call(app_server, "DELETE", f"/v1/report-schedules/{made.json()['id']}", admin)
        assert gone.status_code == 204
