"""The coaching journal: notes per agent and the agent's KPIs in the days before and after."""

from __future__ import annotations

from app.auth.keys import Scope
from app.streams.aggregator.facts import Fact
from tests.auth.support import make_org
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key
from tests.reports.support import answered, at, state, store_facts

TZ = "Europe/Berlin"


async def test_notes_and_kpis_before_and_after_a_session(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, {Scope.read, Scope.admin}, timezone=TZ)
    await make_org(url, tenant_id, {"North": ["n1"]}, ("Sales",))

    def call(n: int, day: int, talk_s: int) -> Fact:
        start = at(TZ, 2024, 5, day, 10, n)
        return answered(f"{day}-{n}", "Sales", "n1", "North", start, start + 30_000, talk_s)

    facts: list[Fact] = [call(n, 13, 400) for n in range(2)]  # before: 2 calls, 30 s waits, 400 s
    facts += [call(n, 14, 999) for n in range(3)]  # the session day counts in neither window
    facts += [call(n, 15, 250) for n in range(4)]  # after: 4 calls of 250 s
    facts.append(state("n1", "North", "available", at(TZ, 2024, 5, 15, 9), at(TZ, 2024, 5, 15, 10)))
    await store_facts(url, tenant_id, facts)

    async with app_server.client(key) as client:
        created = await client.post(
            "/v1/coaching",
            json={
                "agent": "n1",
                "date": "2024-05-14",
                "kind": "coaching",
                "topic": "Shorter calls",
                "notes": "Use the FAQ",
                "author": "Maria",
            },
        )
        assert created.status_code == 201, created.text
        note = created.json()
        assert (note["author"], note["kind"], note["date"]) == ("Maria", "coaching", "2024-05-14")
        await client.post(
            "/v1/coaching",
            json={"agent": "n1", "date": "2024-05-02", "kind": "mentoring", "topic": "Intro"},
        )
        listed = (await client.get("/v1/coaching", params={"agent": "n1"})).json()
        assert [n["date"] for n in listed] == ["2024-05-14", "2024-05-02"]
        assert listed[1]["author"].startswith("API key #")
        bad_kind = await client.post(
            "/v1/coaching",
            json={"agent": "n1", "date": "2024-05-02", "kind": "scolding", "topic": "x"},
        )
        assert bad_kind.status_code == 422
        ancient = await client.post(
            "/v1/coaching", json={"agent": "n1", "date": "0001-01-01", "topic": "x"}
        )
        assert ancient.status_code == 422
        progress = await client.get("/v1/plans/progress", params={"date": "9999-12-31"})
        assert progress.status_code == 400

        impact = (await client.get(f"/v1/coaching/{note['id']}/impact", params={"days": 1})).json()
        assert (impact["before"]["first"], impact["before"]["last"]) == ("2024-05-13", "2024-05-13")
        assert (impact["after"]["first"], impact["after"]["last"]) == ("2024-05-15", "2024-05-15")
        assert (impact["before"]["complete"], impact["after"]["complete"]) == (True, True)
        before, after = impact["before"]["metrics"], impact["after"]["metrics"]
        assert (before["handled"], before["aht"], before["asa"]) == (2, 400.0, 30.0)
        assert (after["handled"], after["aht"], after["time_available"]) == (4, 250.0, 3600.0)
        assert impact["change"]["aht"] == -150.0
        assert impact["change"]["handled"] == 2
        assert impact["change"]["occupancy"] is None  # no state time before

        week = (await client.get(f"/v1/coaching/{note['id']}/impact", params={"days": 7})).json()
        assert week["after"]["metrics"]["handled"] == 4
        assert week["before"]["metrics"]["handled"] == 2

        edited = await client.put(
            f"/v1/coaching/{note['id']}",
            json={
                "agent": "n1",
                "date": "2024-05-14",
                "kind": "mentoring",
                "topic": "Shorter calls",
            },
        )
        assert edited.json()["kind"] == "mentoring"
        assert edited.json()["author"] == "Maria"
        assert (await client.delete(f"/v1/coaching/{note['id']}")).status_code == 204
        assert (await client.get(f"/v1/coaching/{note['id']}")).status_code == 404
