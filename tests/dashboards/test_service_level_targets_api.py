"""Per-queue service-level targets over real HTTP: set with the queue (`sl_target`, a fraction),
refused out of range with the field, admins only, and handed to every wall (a team lead's, a
display link's) in `/v1/dashboards/options` with the queue's threshold."""

from __future__ import annotations

from app.auth.roles import Role
from tests.auth.support import bearer, make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.dashboards.test_dashboards_api import admin_headers, call


async def test_a_queue_carries_its_target_to_every_wall(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, admin = await admin_headers(app_server)
    await make_org(url, tenant_id, {"North": ["n1"]})
    lead = (
        await make_token(
            url, await make_user(url, tenant_id, "lead", Role.team_lead, teams=("North",))
        )
    ).headers()

    made = await call(
        app_server, "POST", "/v1/queues", admin, {"name": "Sales", "sl_threshold_s": 30,
                                                  "sl_target": 0.9}
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["sl_target"] == 0.9
    plain = await call(app_server, "POST", "/v1/queues", admin, {"name": "Support"})
    assert plain.json()["sl_target"] == 0.8  # 80/20 unless set

    path = f"/v1/queues/{made.json()['id']}"
    changed = await call(app_server, "PATCH", path, admin, {"sl_target": 0.85})
    assert changed.status_code == 200, changed.text
    assert changed.json()["sl_target"] == 0.85
    assert changed.json()["sl_threshold_s"] == 30  # untouched
    for bad in (0, 1.5, "high"):
        refused = await call(app_server, "PATCH", path, admin, {"sl_target": bad})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"][0]["field"] == "body.sl_target"
    by_lead = await call(app_server, "PATCH", path, lead, {"sl_target": 0.5})
    assert by_lead.status_code == 403, by_lead.text

    expected = {
        "Sales": {"target": 0.85, "threshold_s": 30.0},
        "Support": {"target": 0.8, "threshold_s": 20.0},
    }
    for who in (admin, lead):
        options = await call(app_server, "GET", "/v1/dashboards/options", who)
        assert options.status_code == 200, options.text
        assert options.json()["service_levels"] == expected
    board = (await call(app_server, "POST", "/v1/dashboards", admin, {"name": "TV"})).json()
    link = await call(
        app_server, "POST", f"/v1/dashboards/{board['id']}/display-links", admin, {"name": "TV"}
    )
    display = bearer(link.json()["token"])
    options = await call(app_server, "GET", "/v1/dashboards/options", display)
    assert options.json()["service_levels"] == expected
