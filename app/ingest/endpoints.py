from __future__ import annotations

from typing import Any

import msgspec
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect

from app.auth.deps import IngestPrincipal
from app.core.errors import BadRequest, ClientClosed, PayloadTooLarge, UnsupportedMediaType
from app.events.schemas import EVENT_TYPE_NAMES
from app.events.validation import BatchError, decode_json_array, decode_ndjson
from app.ingest.service import IngestResult, ingest_decoded
from app.services import ServicesDep

router = APIRouter(prefix="/v1", tags=["events"])

_encode = msgspec.json.Encoder().encode

INGEST_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "received": {"type": "integer", "description": "events in the body"},
        "accepted": {"type": "integer", "description": "new events appended to the log"},
        "duplicates": {
            "type": "integer",
            "description": "events whose `id` this tenant sent within the retention window",
        },
        "duplicate_indices": {"type": "array", "items": {"type": "integer"}},
        "rejected": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"index": {"type": "integer"}, "reason": {"type": "string"}},
            },
        },
    },
}


async def read_body(request: Request, limit: int) -> bytes:
    """Read the body, refusing it as soon as it passes `limit` bytes; a client that hangs up
    mid-body gets `ClientClosed` (nothing of a partial body is ingested)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"the body is larger than the limit of {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise ClientClosed(f"the client closed the connection after {size} bytes") from exc
    return b"".join(chunks)


@router.post(
    "/events",
    summary="Ingest a batch of canonical events",
    description=(
        "Body: a JSON array of events (`Content-Type: application/json`) or one event per line "
        "(`application/x-ndjson`); at most 10,000 events and 5 MB (configurable), beyond that "
        "413. Each event is validated on its own: good events are kept even when others in the "
        "batch are rejected. Events whose `id` the tenant already sent (within at least 24 h) are "
        "counted as duplicates and not applied again. Events more than 5 minutes in the future "
        "are rejected. The events are acknowledged only once the event log holds them. The "
        "answer is 200 when at least one event was accepted or was a duplicate, 422 when every "
        "event was rejected; the body always lists each rejected event's index and reason. "
        f"Event types: {', '.join(EVENT_TYPE_NAMES)}."
    ),
    responses={
        200: {"content": {"application/json": {"schema": INGEST_RESPONSE}}},
        413: {"description": "the body or the batch is larger than the limits"},
        503: {"description": "the event log is unavailable; retry after `Retry-After`"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def post_events(
    request: Request, principal: IngestPrincipal, services: ServicesDep
) -> Response:
    settings = services.settings
    body = await read_body(request, settings.max_body_bytes)
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    try:
        if content_type in ("application/x-ndjson", "application/jsonl", "application/ndjson"):
            batch = decode_ndjson(body, settings.max_batch_events)
        elif content_type in ("application/json", ""):
            batch = decode_json_array(body, settings.max_batch_events)
        else:
            raise UnsupportedMediaType(
                f"Content-Type `{content_type}` is not supported: send `application/json` "
                "(an array of events) or `application/x-ndjson`"
            )
    except BatchError as exc:
        if "at most" in str(exc):
            raise PayloadTooLarge(str(exc)) from exc
        raise BadRequest(str(exc)) from exc
    result: IngestResult = await ingest_decoded(
        services.engine, settings, principal.tenant_id, batch
    )
    status = 200 if result.accepted or result.duplicates or not result.received else 422
    return Response(_encode(result), status_code=status, media_type="application/json")


class ProgressOut(BaseModel):
    appended: str | None = Field(
        description="The event log offset of this tenant's last accepted batch (null: none)."
    )
    applied: str | None = Field(
        description="The offset up to which the log has been applied to the live numbers that "
        "`/v1/metrics` serves for this tenant (null: nothing yet)."
    )
    caught_up: bool = Field(
        description="`applied` has reached `appended`: every event accepted before this call "
        "is in the live numbers."
    )


@router.get(
    "/events/progress",
    summary="How far aggregation has got with this tenant's events",
    description=(
        "Offsets are opaque strings of the event log, comparable within a tenant: a Redis stream "
        "id (`MS-SEQ`) on the redis engine, an entry number on the memory engine. To wait for "
        "what you sent: read `appended` once after your last batch was acknowledged, then poll "
        "until `applied` is at or past it (`floorwatch replay --wait` does this). Readable with "
        "the `ingest` scope."
    ),
    response_model=ProgressOut,
)
async def events_progress(principal: IngestPrincipal, services: ServicesDep) -> ProgressOut:
    progress = await services.engine.progress(principal.tenant_id)
    return ProgressOut(
        appended=progress.appended, applied=progress.applied, caught_up=progress.caught_up
    )
