"""HTTP endpoints of the CRM adapters (Pipedrive, HubSpot, Salesforce) and the admin API of a
tenant's CRM settings. Each webhook turns the CRM's own body into canonical deal events and
ingests them like the telephony adapters (app/integrations/endpoints.py): same limits,
de-duplication and per-record answer."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.auth.deps import AdminPrincipal, Principal
from app.auth.keys import Scope
from app.core.errors import BadRequest, Unauthorized, Unavailable
from app.core.logging import get_logger
from app.core.rate_limit import RateLimited
from app.core.sealing import SecretUnavailable
from app.ingest.endpoints import read_body
from app.integrations.crm_settings import (
    Crm,
    CrmSettingsIn,
    CrmSettingsOut,
    load_settings,
    mapping_of,
    save_settings,
    settings_out,
)
from app.integrations.endpoints import (
    ADAPTER_RESPONSES,
    JSON_BODY,
    basic_or_bearer_ingest,
    ingest_parsed,
    public_url,
)
from app.services import Services, ServicesDep
from app.streams.clock import wall_ms
from app.tenancy.models import Tenant

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])
log = get_logger(__name__)

UNSEALABLE_RETRY_AFTER_S = 300
"""A secret sealed with a key the server lacks is a configuration fault an operator fixes:
503 (HubSpot retries a 5xx for a while, a 4xx never) with a long Retry-After."""

CREDENTIAL_RESPONSES: dict[int | str, dict[str, object]] = {
    **ADAPTER_RESPONSES,
    401: {"description": "no API key, or an invalid or revoked one"},
    403: {"description": "the API key lacks the `ingest` scope"},
}


@router.post(
    "/pipedrive/webhooks",
    summary="Pipedrive webhooks v2 (deals)",
    description="Body: one Pipedrive webhooks v2 notification (`create.deal`, `change.deal`, "
    "`delete.deal`; others are counted in `skipped`). Create the webhook with HTTP auth: "
    "Pipedrive then sends `Authorization: Basic` with the user and password you gave it; the "
    "password is a Floorwatch API key with the `ingest` scope (the user name is not read). "
    "A bearer header works too. Stage, owner and pipeline ids are named by the tenant's "
    "settings (`PUT /v1/integrations/crm/pipedrive/settings`). See docs/integrations.md.",
    responses=CREDENTIAL_RESPONSES,
    openapi_extra=JSON_BODY,
)
async def pipedrive_webhooks(request: Request, services: ServicesDep) -> Response:
    from app.integrations.pipedrive import parse_pipedrive_webhooks

    principal = await basic_or_bearer_ingest(request, services)
    async with services.db.session() as session:
        mapping = mapping_of(await load_settings(session, principal.tenant_id, Crm.pipedrive))
    return await ingest_parsed(
        request, principal, services, lambda body: parse_pipedrive_webhooks(body, mapping)
    )


@router.post(
    "/salesforce/opportunity-changes",
    summary="Salesforce Change Data Capture: OpportunityChangeEvent",
    description="Body: `OpportunityChangeEvent`s as JSON (the event, its CometD message or its "
    "`payload` envelope; one, a JSON array or NDJSON), as a Pub/Sub API or CometD relay posts "
    "them. The API key (`ingest` scope) as a bearer token or the basic-auth password. Events "
    "of other objects and changes that do not move a stage are counted in `skipped`. See "
    "docs/integrations.md.",
    responses=CREDENTIAL_RESPONSES,
    openapi_extra=JSON_BODY,
)
async def salesforce_opportunity_changes(request: Request, services: ServicesDep) -> Response:
    from app.integrations.salesforce import parse_opportunity_changes

    principal = await basic_or_bearer_ingest(request, services)
    async with services.db.session() as session:
        mapping = mapping_of(await load_settings(session, principal.tenant_id, Crm.salesforce))
    return await ingest_parsed(
        request, principal, services, lambda body: parse_opportunity_changes(body, mapping)
    )


@router.post(
    "/hubspot/webhooks/{tenant_id}",
    summary="HubSpot deal webhooks",
    description="Body: the JSON array of events HubSpot posts (`deal.creation`, "
    "`deal.propertyChange` of `dealstage`, `amount`, `hubspot_owner_id`; others are counted "
    "in `skipped`). HubSpot sends no credentials of ours: the request is authenticated by its "
    "`X-HubSpot-Signature-v3`, checked with the client secret set for this tenant "
    "(`PUT /v1/integrations/crm/hubspot/settings`), over the URL as HubSpot called it "
    "(`FLOORWATCH_PUBLIC_URL` + path behind a proxy). A missing or wrong signature, or an "
    "`X-HubSpot-Request-Timestamp` more than 5 minutes away, is a 401. See "
    "docs/integrations.md.",
    responses={
        **ADAPTER_RESPONSES,
        401: {"description": "no client secret set, or a missing, wrong or stale signature"},
        503: {"description": "the client secret cannot be opened with the server's keys"},
    },
    openapi_extra=JSON_BODY,
)
async def hubspot_webhooks(tenant_id: int, request: Request, services: ServicesDep) -> Response:
    from app.integrations.hubspot import (
        SignatureRefused,
        check_hubspot_signature,
        parse_hubspot_webhooks,
    )

    body = await read_body(request, services.settings.max_body_bytes)
    async with services.db.session() as session:
        row = await load_settings(session, tenant_id, Crm.hubspot)
        tenant = await session.get(Tenant, tenant_id) if row is not None else None
    if row is None or tenant is None or not row.client_secret:
        raise Unauthorized("no HubSpot client secret is set for this webhook URL")
    try:
        secret = services.box.open(row.client_secret)
    except SecretUnavailable as exc:
        log.warning("HubSpot client secret cannot be opened", tenant_id=tenant_id)
        raise Unavailable(
            "the HubSpot client secret was sealed with a key this server does not hold "
            "(FLOORWATCH_SECRET_KEY, FLOORWATCH_PREVIOUS_SECRET_KEYS); HubSpot retries",
            retry_after_s=UNSEALABLE_RETRY_AFTER_S,
        ) from exc
    try:
        check_hubspot_signature(
            secret,
            request.method,
            public_url(request, services.settings.public_url),
            body,
            request.headers.get("x-hubspot-signature-v3"),
            request.headers.get("x-hubspot-request-timestamp"),
            wall_ms(),
        )
    except SignatureRefused as exc:
        raise Unauthorized(str(exc)) from exc
    principal = Principal(
        tenant_id=tenant.id, tenant_name=tenant.name, scopes=frozenset({Scope.ingest})
    )
    await _count_request(services, tenant_id)
    mapping = mapping_of(row)
    return await ingest_parsed(
        request, principal, services, lambda raw: parse_hubspot_webhooks(raw, mapping), body
    )


async def _count_request(services: Services, tenant_id: int) -> None:
    """HubSpot's requests count against the API-key limit under their own name."""
    limit = services.settings.rate_limit_api_key
    if services.limiter is None or limit <= 0:
        return
    retry_after_s = await services.limiter.hit(f"hubspot:{tenant_id}", limit)
    if retry_after_s is not None:
        raise RateLimited("HubSpot", limit, services.limiter.window_s, retry_after_s)


# --- settings -----------------------------------------------------------------------------


@router.get(
    "/crm/{crm}/settings",
    summary="A CRM's settings for this tenant (admins)",
    description="The names given to the CRM's stage, owner and pipeline ids, the HubSpot "
    "stages that win or lose a deal, whether a HubSpot client secret is set (never the "
    "secret), and the path the CRM's webhooks post to.",
)
async def get_crm_settings(
    crm: Crm, principal: AdminPrincipal, services: ServicesDep
) -> CrmSettingsOut:
    async with services.db.session() as session:
        row = await load_settings(session, principal.tenant_id, crm)
    return settings_out(crm, principal.tenant_id, row)


@router.put(
    "/crm/{crm}/settings",
    summary="Set a CRM's settings for this tenant (admins)",
    description="Replaces the mapping of the CRM's ids to Floorwatch names and, for HubSpot, "
    "which stages mean won or lost and the app's client secret (sealed at rest with "
    "`FLOORWATCH_SECRET_KEY`). Webhooks read the new settings from their next request; "
    "events already received keep the names they were given.",
    responses={
        400: {
            "description": "a stage both won and lost, or a client secret for a "
            "CRM other than HubSpot"
        }
    },
)
async def put_crm_settings(
    crm: Crm, body: CrmSettingsIn, principal: AdminPrincipal, services: ServicesDep
) -> CrmSettingsOut:
    both = set(body.won_stages) & set(body.lost_stages)
    if both:
        raise BadRequest(
            "a stage cannot both win and lose a deal",
            details=[{"field": "lost_stages", "reason": f"also in won_stages: {sorted(both)}"}],
        )
    if body.client_secret and crm is not Crm.hubspot:
        raise BadRequest(
            "only HubSpot webhooks are signed with a client secret",
            details=[{"field": "client_secret", "reason": f"not used by {crm.value}"}],
        )
    box = services.box
    async with services.db.session() as session:
        row = await save_settings(session, principal.tenant_id, crm, body, box)
        out = settings_out(crm, principal.tenant_id, row)
        await session.commit()
    return out
