"""`/v1/phrase-settings`: what phrase spotting keeps of a transcript (docs/phrases.md,
Personal data). By default only the match; a tenant may keep the matching segment for a
retention of 1-90 days (7 by default). Admins write; admins and supervisors read."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.auth.deps import AdminPrincipal, StaffPrincipal
from app.core.logging import get_logger
from app.phrases.models import PhraseSettingsRow
from app.services import ServicesDep

router = APIRouter(prefix="/v1/phrase-settings", tags=["phrases"])
log = get_logger(__name__)
DEFAULT_RETENTION_DAYS: Final = 7


class PhraseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep_segments: bool = Field(
        False,
        description="Keep the transcript segment of each phrase hit (shown to admins, "
        "supervisors and the agent's team leads with the hit); false: only the match (list, "
        "phrase, call, time, role) is kept.",
    )
    retention_days: int = Field(
        DEFAULT_RETENTION_DAYS, ge=1, le=90, description="How long a kept segment is kept."
    )


def settings_of(row: PhraseSettingsRow | None) -> PhraseSettings:
    if row is None:
        return PhraseSettings()
    return PhraseSettings(keep_segments=row.keep_segments, retention_days=row.retention_days)


@router.get("", summary="What phrase spotting keeps of transcripts")
async def get_settings(principal: StaffPrincipal, services: ServicesDep) -> PhraseSettings:
    async with services.db.session() as session:
        return settings_of(await session.get(PhraseSettingsRow, principal.tenant_id))


@router.put("", summary="Change what phrase spotting keeps (admins)")
async def put_settings(
    body: PhraseSettings, principal: AdminPrincipal, services: ServicesDep
) -> PhraseSettings:
    async with services.db.session() as session:
        row = await session.get(PhraseSettingsRow, principal.tenant_id)
        if row is None:
            row = PhraseSettingsRow(tenant_id=principal.tenant_id)
            session.add(row)
        row.keep_segments = body.keep_segments
        row.retention_days = body.retention_days
        await session.commit()
    services.configs.invalidate(principal.tenant_id)
    log.info(
        "phrase settings changed",
        keep_segments=body.keep_segments,
        retention_days=body.retention_days,
        by=principal.describe(),
    )
    return body
