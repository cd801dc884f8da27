"""HTTP endpoints of the adapters: each takes a platform's own format, turns it into canonical
events and ingests them like `POST /v1/events` (same key scope, limits, de-duplication)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Query, Request, Response

from app.auth.deps import IngestPrincipal, Principal
from app.auth.keys import Scope
from app.auth.request_limit import enforce_rate_limit
from app.auth.resolver import resolve_credential
from app.core.errors import BadRequest, Forbidden, Unauthorized
from app.ingest.endpoints import read_body
from app.ingest.service import ingest_events
from app.integrations.common import (
    LIVE_MAX_WRAPUP_SECONDS,
    ParseResult,
    WrapupChoiceError,
    text_lines,
    wrapup_after,
)
from app.services import Services, ServicesDep

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])

CTR_MAX_UPDATE_DELAY = timedelta(hours=24)
"""Connect re-sends a CTR whenever it changes, for months; event ids are remembered for 24 h,
so an update arriving later than this after the contact would count the call again: skip it."""

_encode = msgspec.json.Encoder().encode


class LineErrorOut(msgspec.Struct):
    line: int
    reason: str


class AdapterResult(msgspec.Struct):
    """`errors`: malformed source records by line (or record) number; `skipped`: well-formed
    records that carry nothing for Floorwatch, counted by reason; `rejected`: produced events
    the ingest layer refused (by index in `events`)."""

    events: int
    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]]
    errors: list[LineErrorOut]
    skipped: dict[str, int]


def inline_schema(struct: type) -> dict[str, Any]:
    """msgspec's JSON schema of `struct` with its `$defs` inlined: a `#/$defs/…` reference means
    nothing inside an OpenAPI document, whose references start at the document's root."""
    schema = msgspec.json.schema(struct)
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


ADAPTER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "what was parsed, kept, skipped and refused",
        "content": {"application/json": {"schema": inline_schema(AdapterResult)}},
    },
    413: {"description": "the body is larger than the limit"},
    503: {"description": "the event log is unavailable; retry after `Retry-After`"},
}


async def ingest_parsed(
    request: Request,
    principal: Principal,
    services: Services,
    parse: Callable[[bytes], ParseResult],
    body: bytes | None = None,
) -> Response:
    if body is None:
        body = await read_body(request, services.settings.max_body_bytes)
    parsed = parse(body)
    events = sorted(parsed.events, key=lambda e: e.ms)
    result = await ingest_events(services.engine, services.settings, principal.tenant_id, events)
    answer = AdapterResult(
        events=len(events),
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=[{"index": r.index, "reason": r.reason} for r in result.rejected],
        errors=[LineErrorOut(e.line_no, e.reason) for e in parsed.errors],
        skipped=dict(parsed.skipped),
    )
    return Response(_encode(answer), media_type="application/json")


@router.post(
    "/asterisk/queue-log",
    summary="Asterisk queue_log lines",
    description="Body: lines of Asterisk's `queue_log` (`epoch|callid|queue|agent|event|data…`) "
    "as `text/plain`. Malformed lines are reported with their line number; unknown events are "
    "counted in `skipped`. See docs/integrations.md.",
    responses=ADAPTER_RESPONSES,
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}
    },
)
async def asterisk_queue_log(
    request: Request,
    principal: IngestPrincipal,
    services: ServicesDep,
    wrapup_seconds: Annotated[
        int,
        Query(
            ge=0,
            le=LIVE_MAX_WRAPUP_SECONDS,
            description="The queues' `wrapuptime` (queues.conf): queue_log logs no end of "
            "wrap-up, so it is placed this long after each COMPLETECALLER/COMPLETEAGENT. 0 (the "
            "default, as in Asterisk): no wrap-up. At most "
            f"{LIVE_MAX_WRAPUP_SECONDS} s, the future-skew limit.",
        ),
    ] = 0,
    wrapup_by_queue: Annotated[
        bool,
        Query(
            description="Send no end of wrap-up: each queue's wrap-up limit (`wrapup_s`, set "
            "to its `wrapuptime`) ends it, on the server's clock. Excludes `wrapup_seconds`.",
        ),
    ] = False,
) -> Response:
    from app.integrations.asterisk import parse_queue_log

    after = wrapup_choice(wrapup_seconds, wrapup_by_queue)
    return await ingest_parsed(
        request,
        principal,
        services,
        lambda body: parse_queue_log(text_lines(body), wrapup_seconds=after),
    )


def wrapup_choice(wrapup_seconds: int, wrapup_by_queue: bool) -> int | None:
    """`wrapup_after`, refused as a 400 on the query parameter."""
    try:
        return wrapup_after(wrapup_seconds, wrapup_by_queue)
    except WrapupChoiceError as exc:
        raise BadRequest(
            str(exc),
            details=[{"field": "wrapup_seconds", "reason": "excluded by wrapup_by_queue"}],
        ) from exc


JSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/connect/agent-events",
    summary="Amazon Connect agent event stream records",
    description="Body: agent event stream records (JSON array, one object, or NDJSON), as the "
    "Kinesis stream delivers them. See docs/integrations.md.",
    responses=ADAPTER_RESPONSES,
    openapi_extra=JSON_BODY,
)
async def connect_agent_events(
    request: Request, principal: IngestPrincipal, services: ServicesDep
) -> Response:
    from app.integrations.connect import parse_agent_events

    return await ingest_parsed(request, principal, services, parse_agent_events)


@router.post(
    "/connect/ctr",
    summary="Amazon Connect contact trace records",
    description="Body: contact trace records (JSON array, one object, or NDJSON). Records are "
    "de-duplicated by ContactId (newest LastUpdateTimestamp wins). See docs/integrations.md.",
    responses=ADAPTER_RESPONSES,
    openapi_extra=JSON_BODY,
)
async def connect_ctr(
    request: Request, principal: IngestPrincipal, services: ServicesDep
) -> Response:
    from app.integrations.connect import parse_contact_records

    return await ingest_parsed(
        request,
        principal,
        services,
        lambda body: parse_contact_records(body, max_update_delay=CTR_MAX_UPDATE_DELAY),
    )


@router.post(
    "/freeswitch/events",
    summary="FreeSWITCH mod_callcenter events",
    description="Body: `callcenter::info` events as JSON (array, one object or NDJSON), as an "
    "ESL forwarder sends them. `wrapup_seconds`: mod_callcenter logs no end of wrap-up, so it "
    f"is placed this long after the call ends (set it to the queue's `wrap-up-time`; at most "
    f"{LIVE_MAX_WRAPUP_SECONDS} s, the future-skew limit); `wrapup_by_queue=true` sends none "
    "and lets each queue's wrap-up limit (`wrapup_s`) end it. See "
    "docs/integrations-platforms.md.",
    responses=ADAPTER_RESPONSES,
    openapi_extra=JSON_BODY,
)
async def freeswitch_events(
    request: Request,
    principal: IngestPrincipal,
    services: ServicesDep,
    wrapup_seconds: Annotated[int, Query(ge=0, le=LIVE_MAX_WRAPUP_SECONDS)] = 0,
    wrapup_by_queue: bool = False,
) -> Response:
    from app.integrations.freeswitch import parse_callcenter_events

    after = wrapup_choice(wrapup_seconds, wrapup_by_queue)
    return await ingest_parsed(
        request,
        principal,
        services,
        lambda body: parse_callcenter_events(body, wrapup_seconds=after),
    )


@router.post(
    "/twilio/taskrouter",
    summary="Twilio TaskRouter event callbacks",
    description="Body: the form-encoded event callback TaskRouter posts (`EventType`, `TaskSid`, "
    "`TaskQueueName`, `WorkerName`, …). Twilio cannot send a bearer header: put the API key in "
    "the callback URL as basic-auth credentials (`https://twilio:KEY@host/v1/integrations/"
    "twilio/taskrouter`), which Twilio sends as `Authorization: Basic`. When "
    "`FLOORWATCH_TWILIO_AUTH_TOKEN` is set, the `X-Twilio-Signature` header must be valid for "
    "the public URL (`FLOORWATCH_PUBLIC_URL` + path, as configured in Twilio).",
    responses=ADAPTER_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}},
        }
    },
)
async def twilio_taskrouter(request: Request, services: ServicesDep) -> Response:
    from app.integrations.twilio import parse_form, taskrouter_to_events, validate_twilio_signature

    principal = await basic_or_bearer_ingest(request, services)
    body = await read_body(request, services.settings.max_body_bytes)
    params = parse_form(body)
    token = services.settings.twilio_auth_token
    if token is not None:
        signature = request.headers.get("x-twilio-signature", "")
        if not signature or not validate_twilio_signature(
            token.get_secret_value(),
            public_url(request, services.settings.public_url),
            params,
            signature,
        ):
            raise Forbidden("missing or invalid `X-Twilio-Signature`")
    return await ingest_parsed(
        request, principal, services, lambda _: taskrouter_to_events(params), body
    )


def public_url(request: Request, base: str | None) -> str:
    """The URL as the caller addressed it: the configured public base plus path and query."""
    if base is None:
        return str(request.url.replace(username=None, password=None))
    query = f"?{request.url.query}" if request.url.query else ""
    return base.rstrip("/") + request.url.path + query


async def basic_or_bearer_ingest(request: Request, services: Services) -> Principal:
    """An API key with `ingest`, as a bearer token or as the password of basic auth."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    credential: str | None = None
    if scheme.lower() == "bearer":
        credential = value.strip()
    elif scheme.lower() == "basic":
        try:
            credential = base64.b64decode(value.strip(), validate=True).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            credential = None
    if not credential:
        raise Unauthorized("send the API key as a bearer token or as the basic-auth password")
    resolved = await resolve_credential(services, credential)
    if resolved is None:
        raise Unauthorized("invalid or revoked API key")
    if Scope.ingest not in resolved.principal.scopes:
        raise Forbidden("this API key lacks the `ingest` scope")
    await enforce_rate_limit(services.limiter, services.settings, resolved.principal)
    return resolved.principal


@router.post(
    "/connect/contact-lens",
    summary="Amazon Connect Contact Lens real-time segments",
    description="Body: events of a Contact Lens real-time segment stream (JSON array, one "
    "object, or NDJSON), as the Kinesis data stream delivers them; each final `Transcript` "
    "segment becomes a `call.transcript` stamped with the time it was received. Partial "
    "`Utterance` segments, categories and session events are counted in `skipped`. The text "
    "is matched against the phrase lists and not stored (docs/phrases.md). See "
    "docs/integrations.md.",
    responses=ADAPTER_RESPONSES,
    openapi_extra=JSON_BODY,
)
async def connect_contact_lens(
    request: Request, principal: IngestPrincipal, services: ServicesDep
) -> Response:
    from app.integrations.contact_lens import parse_segments

    return await ingest_parsed(request, principal, services, parse_segments)
