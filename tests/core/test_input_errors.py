"""Values only the database can refuse answer as client errors on both engines (SQLite and
PostgreSQL), never 500: ids past the column's range (422) and unique names taken (409)."""

from __future__ import annotations

from tests.api.live_server import provision
from tests.conftest import RunningApp


async def test_ids_out_of_range_are_422(app_server: RunningApp) -> None:
    credentials = await provision(app_server.settings.database_url)
    async with app_server.client(credentials.admin_token) as client:
        answers = [
            await client.delete("/v1/api-keys/9223372036854775809"),
            await client.delete("/v1/plans/3974930576043047926104064"),
            await client.patch("/v1/users/94265728240167730282496", json={"disabled": True}),
        ]
    for answer in answers:
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "out_of_range"


async def test_a_taken_name_is_409(app_server: RunningApp) -> None:
    credentials = await provision(app_server.settings.database_url)
    async with app_server.client(credentials.admin_token) as client:
        await client.post("/v1/teams", json={"name": "North"})
        south = (await client.post("/v1/teams", json={"name": "South"})).json()
        renamed = await client.patch(f"/v1/teams/{south['id']}", json={"name": "North"})
        still = await client.get(f"/v1/teams/{south['id']}")
    assert renamed.status_code == 409, renamed.text
    assert renamed.json()["error"]["code"] == "conflict"
    assert still.json()["name"] == "South"
