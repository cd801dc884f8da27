"""`GET /v1/callbacks/report` over real HTTP on both engines: missed callers per local day of
their first miss with what became of them, the same whether an entry is still live or only a
fact, and the facts hold no number; the CSV carries the same rows, formula-like cells
neutralised."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.auth.keys import Scope
from app.core.db import Database
from app.facts.models import CallbackFactRow
from tests.conftest import RunningApp
from tests.helpers import ev, eventually, make_tenant_key, now_ms

MIN = 60_000


def zone_an_hour_past_midnight() -> str:
    """A whole-hour zone where it is now between 01:00 and 03:00: the test's events of
    yesterday evening there are hours old, so at any time of day none has expired (24 h) or
    left the list, and yesterday and today are different days."""
    offset = (1 - datetime.now(UTC).hour + 12) % 24 - 12
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


async def test_missed_callers_per_day_and_what_became_of_them(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    zone = zone_an_hour_past_midnight()
    tenant_id, key = await make_tenant_key(
        url,
        {Scope.ingest, Scope.read, Scope.admin},
        name=f"cbr-{uuid.uuid4().hex[:8]}",
        timezone=zone,
    )
    tz = ZoneInfo(zone)
    today = datetime.now(tz).date()
    yesterday = today - timedelta(days=1)
    evening = datetime(yesterday.year, yesterday.month, yesterday.day, 22, tzinfo=tz)
    t = int(evening.timestamp()) * 1000

    def miss(s: int, call: str, caller: str, queue: str = "Sales") -> list[dict[str, object]]:
        return [
            ev("call.queued", t + s * MIN, call_id=call, queue=queue, caller=caller),
            ev("call.abandoned", t + s * MIN + 30_000, call_id=call),
        ]

    events = [
        *miss(0, "y1", "+48600000001"),
        *miss(10, "y2", "+48600000002"),
        *miss(20, "y3", "+48600000003", queue="Support"),
        ev("call.dialed", t + 40 * MIN, call_id="o1", agent="a1", caller="+48600000001"),
        ev("call.connected", t + 40 * MIN + 30_000, call_id="o1", agent="a1"),
        ev("call.queued", t + 50 * MIN, call_id="y4", queue="Sales", caller="+48600000002"),
        ev("call.answered", t + 50 * MIN + 5000, call_id="y4", agent="a2"),
    ]
    recent = now_ms() - 5 * MIN
    events += [
        ev("call.queued", recent, call_id="d1", queue="Sales", caller="+48600000009"),
        ev("call.abandoned", recent + 30_000, call_id="d1"),
    ]
    async with app_server.client(key) as http:
        sent = await http.post("/v1/events", json=events)
        assert sent.status_code == 200, sent.text

        async def listed() -> bool:
            page = (await http.get("/v1/callbacks", params={"status": "all"})).json()
            return bool(sum(page["counts"].values()) == 4)

        await eventually(listed)
        report = await http.get(
            "/v1/callbacks/report", params={"from": yesterday.isoformat(), "to": "today"}
        )
        assert report.status_code == 200, report.text
        days = {d["date"]: d for d in report.json()["days"]}
        first = days[yesterday.isoformat()]
        assert (first["missed_callers"], first["returned_by_us"], first["called_again"]) == (
            3,
            1,
            1,
        )
        assert (first["still_open"], first["expired"], first["dismissed"]) == (1, 0, 0)
        assert first["time_to_callback_s"] == (40 * MIN + 30_000 - (0 * MIN + 30_000)) / 1000
        assert first["callback_rate"] == 1 / 3  # 1 called back of 3 missed, none dismissed
        recent_day = datetime.fromtimestamp(recent / 1000, tz).date().isoformat()
        assert (days[recent_day]["missed_callers"], days[recent_day]["still_open"]) == (1, 1)
        sales = await http.get(
            "/v1/callbacks/report",
            params={"from": yesterday.isoformat(), "to": yesterday.isoformat(), "queue": "Sales"},
        )
        assert sales.json()["days"][0]["missed_callers"] == 2
        as_csv = await http.get(
            "/v1/callbacks/report",
            params={"from": yesterday.isoformat(), "to": "today", "format": "csv"},
        )
        assert as_csv.status_code == 200, as_csv.text
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert (
            f'filename="callbacks_{yesterday}_{today}.csv"' in as_csv.headers["content-disposition"]
        )
        lines = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert [line["date"] for line in lines] == sorted(days)
        by_date = {line["date"]: line for line in lines}
        assert by_date[yesterday.isoformat()] == {
            "date": yesterday.isoformat(),
            "queue": "",
            "missed_callers": "3",
            "returned_by_us": "1",
            "called_again": "1",
            "expired": "0",
            "dismissed": "0",
            "still_open": "1",
            "callback_rate": "0.3333",
            "time_to_callback_s": "2400.0",
        }
        formula = await http.get(
            "/v1/callbacks/report",
            params={"from": "today", "to": "today", "queue": "=HYPERLINK(1)", "format": "csv"},
        )
        assert next(csv.DictReader(io.StringIO(formula.text)))["queue"] == "'=HYPERLINK(1)"
        backwards = await http.get(
            "/v1/callbacks/report", params={"from": "today", "to": "yesterday"}
        )
        assert backwards.status_code == 400
        too_long = await http.get(
            "/v1/callbacks/report", params={"from": "2020-01-01", "to": "2022-01-01"}
        )
        assert too_long.status_code == 400

    db = Database(url)
    try:

        async def written() -> bool:
            async with db.session() as session:
                n = await session.scalar(
                    sa.select(sa.func.count())
                    .select_from(CallbackFactRow)
                    .where(CallbackFactRow.tenant_id == tenant_id)
                )
            return n == 2

        await eventually(written, timeout=20)
        async with db.engine.connect() as conn:
            columns = await conn.run_sync(
                lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("callback_facts")}
            )
    finally:
        await db.close()
    assert not {"number", "caller"} & columns
    async with app_server.client(key) as http:
        again = await http.get(
            "/v1/callbacks/report",
            params={"from": yesterday.isoformat(), "to": yesterday.isoformat()},
        )
    assert again.json()["days"][0] == first
