"""Every route of the app has an entry in ACCESS, and every HTTP route is walked as every kind
of caller: without credentials (401), with API keys of each scope and as each user role (403
where not allowed), and, for every unsafe method, with a session cookie but no CSRF token (403;
or 401 where the route takes no cookie at all, as the Twilio callback).

Adding a route? Add it to ACCESS with the least privileged caller that may use it. The walk
then proves that nobody below that is let in and everybody above it is. WebSocket routes are
keyed `("WS", path)` and mounted apps (static files) `("MOUNT", path)`; give them a
`Custom("where they are tested")`. What a caller may *see* inside a route
(teams, agents) is tested per route elsewhere (tests/auth/test_scoping.py).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import Enum

import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from app.auth.keys import Scope, create_api_key
from app.auth.roles import Role
from app.core.db import Database
from app.main import create_app
from app.org.service import get_tenant_by_name
from tests.auth.support import Login, Token, login, make_org, make_token, make_user
from tests.conftest import RunningApp, make_settings
from tests.helpers import make_tenant_key


class Allowed(Enum):
    """The least privileged callers a route lets in."""

    public = "anyone, without credentials"
    ingest = "API keys with the `ingest` scope (never users)"
    read = "every reader: API keys with `read` and users of every role but `display`"
    wall = "every reader, and displays (a wall reads its dashboard and the widget options)"
    staff = "admins (users and `admin` API keys), supervisors and team leads"
    admin = "admin users and API keys with the `admin` scope"
    user = "logged-in users of every role (session or personal token), no API key"
    account = "users managing their own credentials: every role but `display`, no API key"


@dataclass(frozen=True)
class Custom:
    """Access checked by a test of its own (WebSocket routes, unusual rules)."""

    tested_in: str


ACCESS: dict[tuple[str, str], Allowed | Custom] = {
    # documentation and probes
    ("GET", "/openapi.json"): Allowed.public,
    ("GET", "/docs"): Allowed.public,
    ("GET", "/docs/oauth2-redirect"): Allowed.public,
    ("GET", "/redoc"): Allowed.public,
    ("GET", "/healthz"): Allowed.public,
    ("GET", "/readyz"): Allowed.public,
    ("GET", "/metrics"): Custom("loopback or a token: tests/ops/test_metrics_endpoint.py"),
    # ingestion
    ("POST", "/v1/events"): Allowed.ingest,
    ("GET", "/v1/events/progress"): Allowed.ingest,
    ("POST", "/v1/integrations/asterisk/queue-log"): Allowed.ingest,
    ("POST", "/v1/integrations/connect/agent-events"): Allowed.ingest,
    ("POST", "/v1/integrations/connect/ctr"): Allowed.ingest,
    ("POST", "/v1/integrations/freeswitch/events"): Allowed.ingest,
    # live metrics
    ("GET", "/v1/metrics"): Allowed.read,
    ("GET", "/v1/metrics/events"): Allowed.read,
    ("GET", "/v1/metrics/catalog"): Allowed.wall,  # the wall reads labels, language, currency
    ("GET", "/v1/metrics/history"): Allowed.wall,  # and its charts' last hour
    ("GET", "/v1/agents"): Allowed.read,
    # auth
    ("POST", "/v1/auth/login"): Allowed.public,
    ("POST", "/v1/auth/logout"): Allowed.public,  # ends only the session of the cookie sent
    ("GET", "/v1/auth/me"): Allowed.user,
    ("GET", "/v1/auth/session"): Allowed.public,  # 200 with `me` null when nobody signed in
    ("POST", "/v1/auth/password"): Allowed.account,
    ("POST", "/v1/auth/tokens"): Allowed.account,
    ("GET", "/v1/auth/tokens"): Allowed.account,
    ("DELETE", "/v1/auth/tokens/{token_id}"): Allowed.account,
    # administration
    ("GET", "/v1/tenant"): Allowed.wall,  # the wall reads labels, language, currency
    ("GET", "/v1/phrase-lists"): Allowed.staff,
    ("POST", "/v1/phrase-lists"): Allowed.admin,
    ("GET", "/v1/phrase-lists/{list_id}"): Allowed.staff,
    ("PATCH", "/v1/phrase-lists/{list_id}"): Allowed.admin,
    ("DELETE", "/v1/phrase-lists/{list_id}"): Allowed.admin,
    ("POST", "/v1/integrations/connect/contact-lens"): Allowed.ingest,
    ("GET", "/v1/phrase-hits"): Allowed.staff,
    ("GET", "/v1/phrase-settings"): Allowed.staff,
    ("PUT", "/v1/phrase-settings"): Allowed.admin,
    ("PATCH", "/v1/tenant"): Allowed.admin,
    ("GET", "/v1/users"): Allowed.staff,
    ("POST", "/v1/users"): Allowed.admin,
    ("GET", "/v1/users/{user_id}"): Allowed.staff,
    ("PATCH", "/v1/users/{user_id}"): Allowed.admin,
    ("DELETE", "/v1/users/{user_id}"): Allowed.admin,
    ("GET", "/v1/teams"): Allowed.read,
    ("POST", "/v1/teams"): Allowed.admin,
    ("GET", "/v1/teams/{team_id}"): Allowed.read,
    ("PATCH", "/v1/teams/{team_id}"): Allowed.admin,
    ("DELETE", "/v1/teams/{team_id}"): Allowed.admin,
    ("GET", "/v1/agents/roster"): Allowed.read,
    ("POST", "/v1/agents"): Allowed.admin,
    ("GET", "/v1/agents/{agent_id:int}"): Allowed.read,
    ("PATCH", "/v1/agents/{agent_id:int}"): Allowed.admin,
    ("DELETE", "/v1/agents/{agent_id:int}"): Allowed.admin,
    ("GET", "/v1/queues"): Allowed.read,
    ("POST", "/v1/queues"): Allowed.admin,
    ("GET", "/v1/queues/{queue_id}"): Allowed.read,
    ("PATCH", "/v1/queues/{queue_id}"): Allowed.admin,
    ("DELETE", "/v1/queues/{queue_id}"): Allowed.admin,
    ("GET", "/v1/api-keys"): Allowed.admin,
    ("POST", "/v1/api-keys"): Allowed.admin,
    ("DELETE", "/v1/api-keys/{key_id}"): Allowed.admin,
    ("POST", "/v1/integrations/twilio/taskrouter"): Allowed.ingest,  # bearer or basic auth
    ("POST", "/v1/integrations/pipedrive/webhooks"): Allowed.ingest,  # bearer or basic auth
    ("POST", "/v1/integrations/salesforce/opportunity-changes"): Allowed.ingest,
    ("POST", "/v1/integrations/hubspot/webhooks/{tenant_id}"): Custom(
        "signed by HubSpot, no credential of ours: tests/integrations/test_crm_endpoints_http.py"
    ),
    ("GET", "/v1/integrations/crm/{crm}/settings"): Allowed.admin,
    ("PUT", "/v1/integrations/crm/{crm}/settings"): Allowed.admin,
    # alerts: everyone who reads sees them (scoped to teams); staff manage them
    ("GET", "/v1/alert-channels"): Allowed.read,
    ("POST", "/v1/alert-channels"): Allowed.staff,
    ("GET", "/v1/alert-channels/{channel_id}"): Allowed.read,
    ("PATCH", "/v1/alert-channels/{channel_id}"): Allowed.staff,
    ("DELETE", "/v1/alert-channels/{channel_id}"): Allowed.staff,
    ("GET", "/v1/alert-rules"): Allowed.read,
    ("POST", "/v1/alert-rules"): Allowed.staff,
    ("GET", "/v1/alert-rules/{rule_id}"): Allowed.read,
    ("PUT", "/v1/alert-rules/{rule_id}"): Allowed.staff,
    ("PATCH", "/v1/alert-rules/{rule_id}"): Allowed.staff,
    ("DELETE", "/v1/alert-rules/{rule_id}"): Allowed.staff,
    ("GET", "/v1/alerts"): Allowed.read,
    ("GET", "/v1/alerts/history"): Allowed.read,
    ("GET", "/v1/alerts/deliveries"): Allowed.read,
    ("GET", "/v1/alerts/{alert_id}"): Allowed.read,
    ("POST", "/v1/alerts/{alert_id}/acknowledge"): Allowed.staff,
    ("POST", "/v1/alerts/{alert_id}/silence"): Allowed.staff,
    ("DELETE", "/v1/alerts/{alert_id}/silence"): Allowed.staff,
    # reports, shifts, plans, coaching: readers see what their teams allow; staff write
    ("GET", "/v1/reports/kpi"): Allowed.read,
    ("GET", "/v1/reports/funnel"): Allowed.read,
    ("GET", "/v1/callbacks"): Allowed.read,
    ("GET", "/v1/callbacks/report"): Allowed.read,
    ("POST", "/v1/callbacks/{callback_id}/dismiss"): Allowed.staff,
    ("GET", "/v1/pipeline/stall-limits"): Allowed.read,
    ("PUT", "/v1/pipeline/stall-limits"): Allowed.admin,
    ("GET", "/v1/shifts"): Allowed.read,
    ("POST", "/v1/shifts"): Allowed.staff,
    ("POST", "/v1/shifts/import"): Allowed.staff,
    ("GET", "/v1/shifts/{shift_id}"): Allowed.read,
    ("PUT", "/v1/shifts/{shift_id}"): Allowed.staff,
    ("DELETE", "/v1/shifts/{shift_id}"): Allowed.staff,
    ("GET", "/v1/plans/progress"): Allowed.read,
    ("GET", "/v1/plans"): Allowed.read,
    ("POST", "/v1/plans"): Allowed.staff,
    ("GET", "/v1/plans/{plan_id}"): Allowed.read,
    ("PUT", "/v1/plans/{plan_id}"): Allowed.staff,
    ("DELETE", "/v1/plans/{plan_id}"): Allowed.staff,
    ("GET", "/v1/coaching"): Allowed.read,
    ("POST", "/v1/coaching"): Allowed.staff,
    ("GET", "/v1/coaching/{note_id}"): Allowed.read,
    ("PUT", "/v1/coaching/{note_id}"): Allowed.staff,
    ("DELETE", "/v1/coaching/{note_id}"): Allowed.staff,
    ("GET", "/v1/coaching/{note_id}/impact"): Allowed.read,
    # dashboards: every reader; who may share or change which one is decided per dashboard
    # (tests/dashboards/test_dashboards_api.py)
    ("GET", "/v1/dashboards"): Allowed.wall,
    ("POST", "/v1/dashboards"): Allowed.read,
    ("GET", "/v1/dashboards/options"): Allowed.wall,
    ("GET", "/v1/dashboards/demo-login"): Allowed.public,  # 204 unless the demo runs
    ("GET", "/v1/dashboards/{dashboard_id}"): Allowed.wall,
    ("PUT", "/v1/dashboards/{dashboard_id}"): Allowed.read,
    ("DELETE", "/v1/dashboards/{dashboard_id}"): Allowed.read,
    ("GET", "/v1/dashboards/{dashboard_id}/display-links"): Allowed.read,
    ("POST", "/v1/dashboards/{dashboard_id}/display-links"): Allowed.read,
    ("DELETE", "/v1/dashboards/{dashboard_id}/display-links/{link_id}"): Allowed.read,
    ("GET", "/v1/display-links"): Allowed.read,
    ("DELETE", "/v1/display-links/{link_id}"): Allowed.read,
    # messages to the floor: who may post where is decided per dashboard
    # (tests/messages/test_messages_api.py)
    ("GET", "/v1/messages"): Allowed.staff,
    ("POST", "/v1/messages"): Allowed.staff,
    ("DELETE", "/v1/messages/{message_id}"): Allowed.staff,
    # scheduled e-mailed reports: scope and channel checked per schedule
    # (tests/report_mail/test_report_schedules.py)
    ("GET", "/v1/report-schedules"): Allowed.staff,
    ("POST", "/v1/report-schedules"): Allowed.staff,
    ("DELETE", "/v1/report-schedules/{schedule_id}"): Allowed.staff,
    # WebSocket and the wall display's static files
    ("WS", "/v1/ws"): Custom("tests/widgets/ (handshake auth, topics per role)"),
    ("MOUNT", "/"): Custom("public files of the wall display: tests/test_frontend.py"),
}

API_KEYS: dict[str, set[Scope]] = {
    "ingest key": {Scope.ingest},
    "read key": {Scope.read},
    "admin key": {Scope.admin, Scope.read},
}
USERS: dict[str, dict[str, object]] = {
    "admin": {"role": Role.admin},
    "supervisor (all teams)": {"role": Role.supervisor, "all_teams": True},
    "supervisor (North)": {"role": Role.supervisor, "teams": ("North",)},
    "team lead": {"role": Role.team_lead, "teams": ("North",)},
    "agent": {"role": Role.agent, "agent": "n1"},
    "display": {"role": Role.display},
}
LETS_IN: dict[Allowed, set[str]] = {
    Allowed.public: {"anonymous", *API_KEYS, *USERS},
    Allowed.ingest: {"ingest key"},
    Allowed.read: {"read key", "admin key", *(set(USERS) - {"display"})},
    Allowed.wall: {"read key", "admin key", *USERS},
    Allowed.staff: {
        "admin key",
        "admin",
        "supervisor (all teams)",
        "supervisor (North)",
        "team lead",
    },
    Allowed.admin: {"admin key", "admin"},
    Allowed.user: set(USERS),
    Allowed.account: set(USERS) - {"display"},
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route: `WS` for WebSocket routes, `MOUNT` for mounted apps
    (static files); HEAD is left out."""
    app = create_app(make_settings())
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found.append(("MOUNT", route.original_route.path or "/"))
        elif route.methods is None:
            found.append(("WS", str(route.path)))
        else:
            found.extend((m, str(route.path)) for m in sorted(route.methods) if m != "HEAD")
    return found


def test_every_route_has_an_access_entry() -> None:
    missing = [route for route in app_routes() if route not in ACCESS]
    assert not missing, (
        "routes without an entry in tests/auth/test_route_access.py ACCESS (add one, with the "
        f"least privileged caller that may use the route): {missing}"
    )


def concrete(path: str) -> str:
    """A path with every parameter set to an id that does not exist."""
    return re.sub(r"\{[^}]+\}", "999999", path)


@dataclass
class Callers:
    headers: dict[str, dict[str, str]]
    admin_session: Login


async def make_callers(app: RunningApp) -> Callers:
    url = app.settings.database_url
    name = f"walk-{uuid.uuid4().hex[:8]}"
    tenant_id, _ = await make_tenant_key(url, name=name)
    await make_org(url, tenant_id, {"North": ["n1"]})
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    db = Database(url)
    try:
        async with db.session() as session:
            tenant = await get_tenant_by_name(session, name)
            assert tenant is not None
            for label, scopes in API_KEYS.items():
                _, key = await create_api_key(session, tenant, label, scopes)
                headers[label] = {"Authorization": f"Bearer {key}"}
            await session.commit()
    finally:
        await db.close()
    for n, (label, spec) in enumerate(USERS.items()):
        user_id = await make_user(url, tenant_id, f"user{n}", **spec)  # type: ignore[arg-type]
        token: Token = await make_token(url, user_id)
        headers[label] = token.headers()
    admin_session = await login(app.base_url, "user0", tenant=name)
    return Callers(headers, admin_session)


async def test_walk_every_route_as_every_caller(app_server: RunningApp) -> None:
    callers = await make_callers(app_server)
    failures: list[str] = []
    walked = 0
    async with app_server.client() as client:
        for (method, path), rule in ACCESS.items():
            if isinstance(rule, Custom) or method == "WS":
                continue
            url = concrete(path)
            for caller, headers in callers.headers.items():
                response = await client.request(
                    method, url, headers=headers, json={} if method in UNSAFE else None
                )
                walked += 1
                status = response.status_code
                if caller in LETS_IN[rule]:
                    if status in (401, 403):
                        failures.append(f"{method} {path} refused {caller}: {response.text[:120]}")
                elif status != (401 if caller == "anonymous" else 403):
                    failures.append(
                        f"{method} {path} let {caller} in: {status} {response.text[:120]}"
                    )
    assert not failures, "\n".join(failures)
    assert walked >= 40 * len(callers.headers)


async def test_cookie_writes_without_csrf_token_are_refused_everywhere(
    app_server: RunningApp,
) -> None:
    callers = await make_callers(app_server)
    session = callers.admin_session
    refused = []
    async with app_server.client() as client:
        for (method, path), rule in ACCESS.items():
            if method not in UNSAFE or path == "/v1/auth/login" or isinstance(rule, Custom):
                continue
            response = await client.request(
                method, concrete(path), headers=session.headers(csrf=False), json={}
            )
            csrf_failed = (
                response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
            )
            cookie_ignored = response.status_code == 401  # the route takes no cookie at all
            if not csrf_failed and not cookie_ignored:
                refused.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
        still = await client.get("/v1/auth/me", headers=session.headers(csrf=False))
    assert not refused, "cookie writes that did not ask for the CSRF token:\n" + "\n".join(refused)
    assert still.status_code == 200  # the logout without a token did not end the session


@pytest.mark.parametrize("rule", list(Allowed))
def test_every_rule_says_who_it_lets_in(rule: Allowed) -> None:
    assert rule in LETS_IN
    assert LETS_IN[rule] <= {"anonymous", *API_KEYS, *USERS}


DISPLAY_MAY: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/v1/auth/me"),
        ("GET", "/v1/dashboards"),
        ("GET", "/v1/dashboards/options"),
        ("GET", "/v1/dashboards/{dashboard_id}"),
        ("GET", "/v1/metrics/catalog"),
        ("GET", "/v1/metrics/history"),
        ("GET", "/v1/tenant"),
    }
)
"""A display link's whole reach besides the public routes and the live topics of `/v1/ws`."""

SIGNED_BY_SENDER = frozenset({("POST", "/v1/integrations/hubspot/webhooks/{tenant_id}")})
"""Routes that read no credential of ours (the sender's signature is the credential): every
caller without that signature, a display too, gets 401."""


async def test_a_display_link_is_refused_everywhere_but_its_wall(
    app_server: RunningApp,
) -> None:
    """Walks the app's own routes (not ACCESS) with the token of a floor-wide display link:
    403 on every route but the public ones and DISPLAY_MAY (issue 18, item 3)."""
    callers = await make_callers(app_server)
    admin = callers.headers["admin"]
    async with app_server.client() as client:
        dashboard = (await client.get("/v1/dashboards", headers=admin)).json()[0]
        assert dashboard["team"] is None  # floor-wide: the widest a display can be
        link = await client.post(
            f"/v1/dashboards/{dashboard['id']}/display-links", json={"name": "TV"}, headers=admin
        )
        assert link.status_code == 201, link.text
        display = {"Authorization": f"Bearer {link.json()['token']}"}
        let_in, refused = [], []
        for method, path in app_routes():
            if method in ("WS", "MOUNT"):
                continue
            url = path.replace("{dashboard_id}", str(dashboard["id"]))
            response = await client.request(
                method, concrete(url), headers=display, json={} if method in UNSAFE else None
            )
            # /metrics answers every loopback client without its token, whoever it is
            public = ACCESS.get((method, path)) is Allowed.public or path == "/metrics"
            if (method, path) in DISPLAY_MAY or public:
                if response.status_code in (401, 403):
                    refused.append(f"{method} {path}: {response.status_code}")
            elif response.status_code != (401 if (method, path) in SIGNED_BY_SENDER else 403):
                let_in.append(f"{method} {path}: {response.status_code} {response.text[:80]}")
        own = await client.get(f"/v1/dashboards/{dashboard['id']}", headers=display)
    assert not let_in, "a display reached:\n" + "\n".join(let_in)
    assert not refused, "a display was refused its wall:\n" + "\n".join(refused)
    assert own.status_code == 200
    assert own.json()["id"] == dashboard["id"]
