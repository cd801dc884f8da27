"""Schemathesis hooks for tests/api/test_openapi_fuzz.py (loaded by the schemathesis CLI through
`SCHEMATHESIS_HOOKS`; the credentials come in the environment).

- Each operation is called with a real credential that may use it: the `ingest` API key for
  ingestion, the admin user's personal token for everything else.
- The fuzzer never acts on its own credentials by id (it would revoke its token, its keys or
  disable its user, and test only the 401 path from then on).
- Alert channels are always pointed at a closed port on loopback: a fuzzed channel must never
  make the server connect anywhere else.
- HubSpot webhooks are signed as HubSpot signs them (`X-HubSpot-Signature-v3` over the exact
  bytes sent), for the fuzzer's tenant, so the fuzzed bodies reach the parser; the CRM settings
  calls keep that tenant's client secret.
"""

from __future__ import annotations

import os
import time
from typing import Any

import requests
import schemathesis

from app.integrations.hubspot import compute_hubspot_signature

INGEST_PREFIXES = ("/v1/events", "/v1/integrations/")
ADMIN_UNDER_INGEST = "/v1/integrations/crm/"
"""The CRM settings API sits next to the CRM webhooks but is for admins."""
LOOPBACK_URL = "http://127.0.0.1:9/fuzz"
HUBSPOT_WEBHOOKS = "/v1/integrations/hubspot/webhooks/{tenant_id}"
CRM_SETTINGS = "/v1/integrations/crm/{crm}/settings"


def _ids(name: str) -> set[int]:
    return {int(v) for v in os.environ.get(name, "").split(",") if v}


OWN_IDS = {
    "token_id": _ids("FUZZ_OWN_TOKEN_IDS"),
    "key_id": _ids("FUZZ_OWN_KEY_IDS"),
    "user_id": _ids("FUZZ_OWN_USER_IDS"),
}


ELSEWHERE = 2**31 - 1
"""An id that exists nowhere: what a call aimed at the fuzzer's own credentials is sent to."""


def _spare_own_credentials(case: Any) -> None:
    """Point a call at the fuzzer's own token, keys or user to an id that does not exist (the
    stateful phase takes ids from earlier answers, such as the token list, so filtering the
    generated parameters is not enough)."""
    parameters = case.path_parameters
    if not parameters:
        return
    for name, own in OWN_IDS.items():
        value = parameters.get(name)
        if value is not None and str(value).strip().lstrip("+").isdigit() and int(value) in own:
            case.path_parameters = {**parameters, name: ELSEWHERE}


def _defuse(settings: Any) -> Any:
    if isinstance(settings, dict):
        if "url" in settings:
            settings = {**settings, "url": LOOPBACK_URL}
        if "smtp_host" in settings:
            settings = {**settings, "smtp_host": "127.0.0.1", "smtp_port": 9}
    return settings


class HubSpotSigner(requests.auth.AuthBase):
    """Signs the prepared request, whose URL and body bytes are final, with the fuzzer's
    tenant's HubSpot client secret."""

    def __init__(self, client_secret: str) -> None:
        self.client_secret = client_secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        assert isinstance(body, bytes), f"a streamed body cannot be signed: {type(body)}"
        timestamp = str(int(time.time() * 1000))
        assert request.method is not None
        assert request.url is not None
        request.headers["X-HubSpot-Request-Timestamp"] = timestamp
        request.headers["X-HubSpot-Signature-v3"] = compute_hubspot_signature(
            self.client_secret, request.method, request.url, body, timestamp
        )
        return request


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    operation = context.operation
    channel = operation is not None and operation.path.startswith("/v1/alert-channels")
    if channel and isinstance(body, dict) and "settings" in body:
        return {**body, "settings": _defuse(body["settings"])}
    return body


def _keep_the_client_secret(case: Any) -> None:
    """A fuzzed client secret (or an empty one, which removes it) would leave the signed
    webhook calls answering only 401."""
    if isinstance(case.body, dict) and "client_secret" in case.body:
        case.body = {**case.body, "client_secret": os.environ["FUZZ_HUBSPOT_SECRET"]}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    path = case.operation.path
    credential = (
        os.environ["FUZZ_INGEST_KEY"]
        if path.startswith(INGEST_PREFIXES) and not path.startswith(ADMIN_UNDER_INGEST)
        else os.environ["FUZZ_ADMIN_TOKEN"]
    )
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {credential}"}
    _spare_own_credentials(case)
    if path == CRM_SETTINGS and case.method.upper() == "PUT":
        _keep_the_client_secret(case)
    if path == HUBSPOT_WEBHOOKS:
        case.path_parameters = {
            **(case.path_parameters or {}),
            "tenant_id": int(os.environ["FUZZ_TENANT_ID"]),
        }
        kwargs["auth"] = HubSpotSigner(os.environ["FUZZ_HUBSPOT_SECRET"])
