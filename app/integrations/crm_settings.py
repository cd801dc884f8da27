"""Reading and writing a tenant's CRM settings (`crm_settings`), and their API bodies."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.core.logging import get_logger
from app.core.sealing import SecretBox, SecretUnavailable
from app.integrations.crm import CrmMapping
from app.integrations.models import CrmSettingsRow

MAX_ENTRIES = 2000
log = get_logger(__name__)


class Crm(StrEnum):
    pipedrive = "pipedrive"
    hubspot = "hubspot"
    salesforce = "salesforce"


CrmId = Annotated[str, Field(min_length=1, max_length=128)]
ShownName = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")]


class CrmSettingsIn(BaseModel):
    """Replaces the tenant's settings for this CRM (a field left out is emptied), except
    `client_secret`, which is kept when left out or null."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "stages": {
                        "appointmentscheduled": "Appointment scheduled",
                        "qualifiedtobuy": "Qualified",
                        "98765432": "Signed",
                    },
                    "won_stages": ["closedwon", "98765432"],
                    "lost_stages": ["closedlost"],
                    "owners": {"81234567": "anna"},
                    "pipelines": {"default": "New business"},
                    "client_secret": "the HubSpot app's client secret",
                }
            ]
        },
    )

    stages: dict[CrmId, ShownName] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="Stage id -> the stage name Floorwatch shows (HubSpot `appointmentscheduled` "
        "-> `Appointment scheduled`, Pipedrive `3` -> `Proposal`). Ids without an entry are "
        "used as they are; Salesforce sends stage names already.",
    )
    won_stages: list[CrmId] = Field(
        default_factory=list,
        max_length=MAX_ENTRIES,
        description="HubSpot: the stage ids that mean won. With neither won nor lost stages "
        "set, `closedwon` and `closedlost` (HubSpot's default pipeline) are used.",
    )
    lost_stages: list[CrmId] = Field(
        default_factory=list,
        max_length=MAX_ENTRIES,
        description="HubSpot: the stage ids that mean lost (see `won_stages`).",
    )
    owners: dict[CrmId, ShownName] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="CRM user id -> Floorwatch agent (the `agent` of the events, an agent's "
        "external id). Ids without an entry are used as the agent as they are.",
    )
    pipelines: dict[CrmId, ShownName] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="Pipeline id -> pipeline name (Pipedrive `pipeline_id`, HubSpot `pipeline`).",
    )
    client_secret: Annotated[str, Field(max_length=512)] | None = Field(
        default=None,
        description="HubSpot only: the app's client secret, which signs its webhooks "
        "(`X-HubSpot-Signature-v3`). Never returned; null or left out keeps the one set, an "
        "empty string removes it (the webhook URL then refuses every request).",
    )


class CrmSettingsOut(BaseModel):
    crm: Crm
    stages: dict[str, str]
    won_stages: list[str]
    lost_stages: list[str]
    owners: dict[str, str]
    pipelines: dict[str, str]
    has_client_secret: bool = Field(description="HubSpot: whether a client secret is set.")
    webhook_path: str = Field(
        description="Where the CRM posts, under the server's public URL (docs/integrations.md)."
    )


def webhook_path(crm: Crm, tenant_id: int) -> str:
    if crm is Crm.hubspot:
        return f"/v1/integrations/hubspot/webhooks/{tenant_id}"
    if crm is Crm.pipedrive:
        return "/v1/integrations/pipedrive/webhooks"
    return "/v1/integrations/salesforce/opportunity-changes"


def settings_out(crm: Crm, tenant_id: int, row: CrmSettingsRow | None) -> CrmSettingsOut:
    return CrmSettingsOut(
        crm=crm,
        stages=dict(row.stages) if row else {},
        won_stages=list(row.won_stages) if row else [],
        lost_stages=list(row.lost_stages) if row else [],
        owners=dict(row.owners) if row else {},
        pipelines=dict(row.pipelines) if row else {},
        has_client_secret=bool(row and row.client_secret),
        webhook_path=webhook_path(crm, tenant_id),
    )


async def load_settings(session: AsyncSession, tenant_id: int, crm: Crm) -> CrmSettingsRow | None:
    return await session.get(CrmSettingsRow, (tenant_id, crm.value))


def mapping_of(row: CrmSettingsRow | None) -> CrmMapping:
    if row is None:
        return CrmMapping()
    return CrmMapping(
        stages=dict(row.stages),
        won_stages=frozenset(row.won_stages),
        lost_stages=frozenset(row.lost_stages),
        owners=dict(row.owners),
        pipelines=dict(row.pipelines),
    )


async def save_settings(
    session: AsyncSession, tenant_id: int, crm: Crm, body: CrmSettingsIn, box: SecretBox
) -> CrmSettingsRow:
    row = await load_settings(session, tenant_id, crm)
    if row is None:
        row = CrmSettingsRow(tenant_id=tenant_id, crm=crm.value)
        session.add(row)
    row.stages = dict(body.stages)
    row.won_stages = sorted(set(body.won_stages))
    row.lost_stages = sorted(set(body.lost_stages))
    row.owners = dict(body.owners)
    row.pipelines = dict(body.pipelines)
    if body.client_secret is not None:
        row.client_secret = box.seal(body.client_secret) if body.client_secret else None
    await session.flush()
    return row


async def reseal_crm_secrets(db: Database, box: SecretBox) -> int:
    """Seal every CRM client secret that is plain or sealed with an older key (as
    `reseal_channels` does for alert channels); returns how many changed (none without a
    key)."""
    if not box.enabled:
        return 0
    changed = 0
    async with db.session() as session:
        rows = await session.scalars(
            select(CrmSettingsRow).where(CrmSettingsRow.client_secret.is_not(None))
        )
        for row in rows:
            secret = row.client_secret
            if secret is None or not box.needs_sealing(secret):
                continue
            try:
                row.client_secret = box.reseal(secret)
            except SecretUnavailable as exc:
                log.warning(
                    "CRM secret not resealed", tenant_id=row.tenant_id, crm=row.crm, reason=str(exc)
                )
                continue
            changed += 1
        await session.commit()
    return changed
