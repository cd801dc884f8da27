"""Login, logout, the current user, password change and personal tokens over real HTTP, on
both engines (memory + SQLite, redis + PostgreSQL)."""

from __future__ import annotations

import uuid

import httpx

from app.auth.resolver import CSRF_HEADER, SESSION_COOKIE
from app.auth.roles import Role
from tests.auth.support import PASSWORD, bearer, login, make_org, make_user
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key


async def tenant(app: RunningApp) -> tuple[int, str, str]:
    """A fresh tenant: (id, name, ingest+read API key)."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    tenant_id, key = await make_tenant_key(app.settings.database_url, name=name)
    return tenant_id, name, key


async def test_login_me_logout(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, name, _ = await tenant(app_server)
    await make_org(url, tenant_id, {"North": ["n1"]})
    await make_user(url, tenant_id, "Lead.North", Role.team_lead, teams=("North",))

    session = await login(app_server.base_url, "LEAD.north", tenant=name)
    user = session.body["user"]
    assert isinstance(user, dict)
    assert user["username"] == "lead.north"
    assert user["role"] == "team_lead"
    assert user["teams"] == ["North"]
    assert "password_hash" not in user
    assert PASSWORD not in str(session.body)
    assert str(user["created_at"]).endswith("Z")
    assert session.attributes["httponly"] is True
    assert str(session.attributes["samesite"]).lower() == "lax"
    assert session.attributes["path"] == "/"
    assert session.attributes["secure"] is True  # environment=test is not development

    async with app_server.client() as client:
        me = await client.get("/v1/auth/me", headers=session.headers(csrf=False))
        assert me.status_code == 200, me.text
        body = me.json()
        assert body["auth"] == "session"
        assert body["csrf_token"] == session.csrf_token
        assert body["tenant"] == name
        assert body["scopes"] == ["read"]
        assert body["access"] == {"all_teams": False, "teams": ["North"], "only_agent": None}

        refused = await client.post("/v1/auth/logout", headers=session.headers(csrf=False))
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf_failed"
        still = await client.get("/v1/auth/me", headers=session.headers())
        assert still.status_code == 200

        out = await client.post("/v1/auth/logout", headers=session.headers())
        assert out.status_code == 204
        cleared = out.headers["set-cookie"]
        assert cleared.startswith(f"{SESSION_COOKIE}=")
        assert "Max-Age=0" in cleared
        after = await client.get("/v1/auth/me", headers=session.headers())
        assert after.status_code == 401
        again = await client.post("/v1/auth/logout", headers=session.headers())
        assert again.status_code == 204


async def test_the_session_state_answers_200_signed_in_or_not(app_server: RunningApp) -> None:
    """What the browser app asks when it opens: never a 4xx (browsers log those as errors)."""
    url = app_server.settings.database_url
    tenant_id, name, key = await tenant(app_server)
    await make_user(url, tenant_id, "chief", Role.admin)
    session = await login(app_server.base_url, "chief", tenant=name)
    async with app_server.client() as client:
        signed_in = await client.get("/v1/auth/session", headers=session.headers(csrf=False))
        assert signed_in.status_code == 200, signed_in.text
        me = signed_in.json()["me"]
        assert (me["user"]["username"], me["tenant"], me["auth"]) == ("chief", name, "session")
        assert me["csrf_token"] == session.csrf_token
        nobody = await client.get("/v1/auth/session")
        assert (nobody.status_code, nobody.json()) == (200, {"me": None})
        api_key = await client.get("/v1/auth/session", headers=bearer(key))
        assert (api_key.status_code, api_key.json()) == (200, {"me": None})
        await client.post("/v1/auth/logout", headers=session.headers())
        ended = await client.get("/v1/auth/session", headers=session.headers(csrf=False))
        assert (ended.status_code, ended.json()) == (200, {"me": None})


async def test_wrong_password_unknown_user_and_disabled_user_look_the_same(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    tenant_id, name, _ = await tenant(app_server)
    await make_user(url, tenant_id, "anna", Role.supervisor, all_teams=True)
    async with app_server.client() as client:
        answers = [
            await client.post("/v1/auth/login", json={"tenant": name, "username": u, "password": p})
            for u, p in (("anna", "wrong password!"), ("nobody", PASSWORD))
        ]
        no_tenant = await client.post(
            "/v1/auth/login", json={"tenant": "no-such", "username": "anna", "password": PASSWORD}
        )
        default_tenant = await client.post(
            "/v1/auth/login", json={"username": "anna", "password": PASSWORD}
        )
    for answer in [*answers, no_tenant, default_tenant]:
        assert answer.status_code == 401
        assert answer.json()["error"]["message"] == "invalid username or password"
        assert "set-cookie" not in answer.headers


async def test_cookie_is_not_secure_in_plain_http_development(app_server: RunningApp) -> None:
    from tests.conftest import start_app, stop_app

    settings = app_server.settings.model_copy(update={"cookie_secure": False})
    running, task = await start_app(settings)
    try:
        url = settings.database_url
        tenant_id, name, _ = await tenant(running)
        await make_user(url, tenant_id, "dev", Role.admin)
        session = await login(running.base_url, "dev", tenant=name)
        assert "secure" not in session.attributes
        assert session.attributes["httponly"] is True
    finally:
        await stop_app(running, task)


async def test_csrf_is_required_for_cookie_writes_only(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, name, key = await tenant(app_server)
    await make_user(url, tenant_id, "boss", Role.admin)
    session = await login(app_server.base_url, "boss", tenant=name)
    team = {"name": "Blue"}
    async with app_server.client() as client:
        no_header = await client.post("/v1/teams", json=team, headers=session.headers(csrf=False))
        wrong = await client.post(
            "/v1/teams", json=team, headers={**session.headers(), CSRF_HEADER: "x" * 43}
        )
        read = await client.get("/v1/teams", headers=session.headers(csrf=False))
        good = await client.post("/v1/teams", json=team, headers=session.headers())
        token = await client.post(
            "/v1/auth/tokens", json={"name": "script"}, headers=session.headers()
        )
        assert token.status_code == 201, token.text
        by_token = await client.post(
            "/v1/teams", json={"name": "Green"}, headers=bearer(token.json()["token"])
        )
        # a bearer token wins over a cookie and needs no CSRF header
        both = await client.post(
            "/v1/teams",
            json={"name": "Red"},
            headers={**session.headers(csrf=False), **bearer(token.json()["token"])},
        )
        by_key = await client.get("/v1/teams", headers=bearer(key))
    assert no_header.status_code == 403
    assert no_header.json()["error"]["code"] == "csrf_failed"
    assert wrong.status_code == 403
    assert read.status_code == 200
    assert good.status_code == 201, good.text
    assert by_token.status_code == 201, by_token.text
    assert both.status_code == 201, both.text
    assert sorted(t["name"] for t in by_key.json()) == ["Blue", "Green", "Red"]


async def test_password_change_ends_other_sessions(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, name, _ = await tenant(app_server)
    await make_user(url, tenant_id, "sam", Role.supervisor, all_teams=True)
    first = await login(app_server.base_url, "sam", tenant=name)
    second = await login(app_server.base_url, "sam", tenant=name)
    new_password = "a much better passphrase"
    async with app_server.client() as client:
        wrong = await client.post(
            "/v1/auth/password",
            json={"current_password": "not it at all", "new_password": new_password},
            headers=first.headers(),
        )
        short = await client.post(
            "/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "short"},
            headers=first.headers(),
        )
        changed = await client.post(
            "/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": new_password},
            headers=first.headers(),
        )
        mine = await client.get("/v1/auth/me", headers=first.headers())
        other = await client.get("/v1/auth/me", headers=second.headers())
        old = await client.post(
            "/v1/auth/login", json={"tenant": name, "username": "sam", "password": PASSWORD}
        )
    assert wrong.status_code == 401
    assert short.status_code == 422
    assert changed.status_code == 204, changed.text
    assert mine.status_code == 200
    assert other.status_code == 401
    assert old.status_code == 401
    assert (await login(app_server.base_url, "sam", new_password, tenant=name)).cookie


async def test_personal_tokens_are_shown_once_listed_and_revoked(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, name, _ = await tenant(app_server)
    await make_org(url, tenant_id, {"North": ["n1"]})
    await make_user(url, tenant_id, "agent.n1", Role.agent, agent="n1")
    session = await login(app_server.base_url, "agent.n1", tenant=name)
    async with app_server.client() as client:
        made = await client.post(
            "/v1/auth/tokens",
            json={"name": "my script", "expires_in_days": 30},
            headers=session.headers(),
        )
        assert made.status_code == 201, made.text
        token = made.json()["token"]
        assert token.startswith("fwu_")
        listed = await client.get("/v1/auth/tokens", headers=bearer(token))
        me = await client.get("/v1/auth/me", headers=bearer(token))
        ingest = await client.post("/v1/events", json=[], headers=bearer(token))
        revoked = await client.delete(
            f"/v1/auth/tokens/{made.json()['id']}", headers=session.headers()
        )
        after = await client.get("/v1/auth/me", headers=bearer(token))
        twice = await client.delete(
            f"/v1/auth/tokens/{made.json()['id']}", headers=session.headers()
        )
    assert [t["name"] for t in listed.json()] == ["my script"]
    assert "token" not in listed.json()[0]
    assert token.startswith(listed.json()[0]["prefix"])
    assert me.json()["auth"] == "user_token"
    assert me.json()["csrf_token"] is None
    assert me.json()["access"]["only_agent"] == "n1"
    assert ingest.status_code == 403  # ingestion stays with API keys
    assert revoked.status_code == 204
    assert after.status_code == 401
    assert twice.status_code == 404


async def test_api_keys_cannot_use_user_routes_and_junk_is_refused(app_server: RunningApp) -> None:
    _, _, key = await tenant(app_server)
    async with app_server.client() as client:
        by_key = await client.get("/v1/auth/me", headers=bearer(key))
        junk_cookie = await client.get(
            "/v1/auth/me", headers={"Cookie": f"{SESSION_COOKIE}=fws_nonsense"}
        )
        key_as_cookie = await client.get(
            "/v1/metrics", headers={"Cookie": f"{SESSION_COOKIE}={key}"}
        )
        junk_token = await client.get("/v1/metrics", headers=bearer("fwu_nonsense"))
    assert by_key.status_code == 403
    assert junk_cookie.status_code == 401
    assert key_as_cookie.status_code == 401
    assert junk_token.status_code == 401


async def test_login_body_is_validated(app_server: RunningApp) -> None:
    async with httpx.AsyncClient(base_url=app_server.base_url) as client:
        extra = await client.post(
            "/v1/auth/login", json={"username": "a", "password": "b", "admin": True}
        )
        missing = await client.post("/v1/auth/login", json={"username": "a"})
        form = await client.post("/v1/auth/login", data={"username": "a", "password": "b"})
    assert extra.status_code == 422
    assert missing.status_code == 422
    assert form.status_code == 422
