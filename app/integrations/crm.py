"""What the CRM adapters (Pipedrive, HubSpot, Salesforce, CSV exports) share: how a CRM's own ids
become stage, pipeline and agent names, how its times are read, and the four canonical deal
events built with ids that are a pure function of the change (a webhook retry is a duplicate).

A CRM names stages, pipelines and owners by ids (Pipedrive `stage_id` 3, HubSpot
`appointmentscheduled`, Salesforce `005…` users). A tenant's `CrmMapping` (set through
`PUT /v1/integrations/crm/{crm}/settings`) turns them into the names Floorwatch shows; an id
without an entry is used as it is, so a tenant that registers its agents under the CRM's user
ids needs no mapping at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from app.events.schemas import (
    MAX_TS_MS,
    DealCreated,
    DealLost,
    DealStageChanged,
    DealWon,
    datetime_to_ms,
)
from app.integrations.common import digest_id, truncate

NAME_LIMIT: Final = 128
DELETED: Final = "deleted"
"""The `reason` of the `deal.lost` an adapter sends for an open deal deleted in the CRM."""


class RecordError(ValueError):
    """A CRM record that cannot be turned into events; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class CrmMapping:
    """A tenant's names for one CRM's ids. `won_stages`/`lost_stages`: stage ids that close a
    deal (HubSpot, where winning is a move to a closing stage)."""

    stages: Mapping[str, str] = field(default_factory=dict)
    won_stages: frozenset[str] = frozenset()
    lost_stages: frozenset[str] = frozenset()
    owners: Mapping[str, str] = field(default_factory=dict)
    pipelines: Mapping[str, str] = field(default_factory=dict)

    def stage(self, stage_id: str) -> str:
        return name(self.stages.get(stage_id, stage_id))

    def agent(self, owner_id: str | None) -> str | None:
        if owner_id is None or owner_id == "":
            return None
        return name(self.owners.get(owner_id, owner_id))

    def pipeline(self, pipeline_id: str | None) -> str | None:
        if pipeline_id is None or pipeline_id == "":
            return None
        return name(self.pipelines.get(pipeline_id, pipeline_id))


def name(value: str) -> str:
    return truncate(value.strip(), NAME_LIMIT)


def text_id(value: object, what: str) -> str:
    """A CRM id (an integer or a string) as text; RecordError when missing or empty."""
    if isinstance(value, bool) or value is None:
        raise RecordError(f"expected {what}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return truncate(value.strip(), NAME_LIMIT)
    raise RecordError(f"expected {what} as a string or an integer, got {value!r:.40}")


def optional_id(value: object) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        return text_id(value, "an id")
    return None


def amount(value: object, what: str) -> float | None:
    """A money value (a number, or a number as text as Salesforce and CSV exports write it)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "").strip())
        except ValueError:
            raise RecordError(f"{what}: expected a number, got {value!r:.40}") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordError(f"{what}: expected a number, got {value!r:.40}")
    if value < 0:
        raise RecordError(f"{what}: a deal's value cannot be negative ({value:g})")
    return float(value)


def currency(value: object) -> str | None:
    if isinstance(value, str) and len(value.strip()) == 3:
        return value.strip().upper()
    return None


def epoch_ms(value: object, what: str, tz: ZoneInfo | None = None) -> int:
    """A CRM time in epoch ms. Accepts epoch ms or seconds (told apart by size), RFC 3339 /
    ISO 8601 with or without an offset (without: UTC, or `tz` when given), `YYYY-MM-DD HH:MM:SS`
    (Pipedrive v1) and a bare date (midnight)."""
    if isinstance(value, bool) or value is None or value == "":
        raise RecordError(f"{what}: expected a time, got none")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise RecordError(f"{what}: {value!r} is not a time")
        ms = round(value * 1000) if abs(value) < 100_000_000_000 else round(value)
    elif isinstance(value, str):
        ms = _parse_text_time(value.strip(), what, tz)
    else:
        raise RecordError(f"{what}: expected a time, got {value!r:.40}")
    if not 0 <= ms <= MAX_TS_MS:
        raise RecordError(f"{what}: {value!r:.40} is out of range")
    return ms


def _parse_text_time(text: str, what: str, tz: ZoneInfo | None) -> int:
    if text.isdigit():
        return epoch_ms(int(text), what, tz)
    try:
        if len(text) == 10:
            stamp = datetime.combine(date.fromisoformat(text), time())
        else:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise RecordError(f"{what}: {text[:40]!r} is not an ISO 8601 time") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=tz or UTC)
    return datetime_to_ms(stamp)


# --- the canonical deal events ------------------------------------------------------------


def deal_created(
    namespace: str,
    identity: tuple[str, ...],
    ms: int,
    deal_id: str,
    *,
    agent: str | None = None,
    stage: str | None = None,
    pipeline: str | None = None,
    value: float | None = None,
    money: str | None = None,
    source: str | None = None,
) -> DealCreated:
    extra: dict[str, str] = {}
    if stage:
        extra["stage"] = stage
    if pipeline:
        extra["pipeline"] = pipeline
    return DealCreated(
        id=digest_id(namespace, *identity, deal_id, "created"),
        ts=ms,
        deal_id=deal_id,
        agent=agent,
        amount=value,
        currency=money,
        source=source,
        **extra,
    )


def deal_stage_changed(
    namespace: str,
    identity: tuple[str, ...],
    ms: int,
    deal_id: str,
    stage: str,
    *,
    agent: str | None = None,
) -> DealStageChanged:
    return DealStageChanged(
        id=digest_id(namespace, *identity, deal_id, "stage"),
        ts=ms,
        deal_id=deal_id,
        stage=stage,
        agent=agent,
    )


def deal_won(
    namespace: str,
    identity: tuple[str, ...],
    ms: int,
    deal_id: str,
    *,
    value: float | None = None,
    agent: str | None = None,
) -> DealWon:
    return DealWon(
        id=digest_id(namespace, *identity, deal_id, "won"),
        ts=ms,
        deal_id=deal_id,
        amount=value,
        agent=agent,
    )


def deal_lost(
    namespace: str,
    identity: tuple[str, ...],
    ms: int,
    deal_id: str,
    *,
    reason: str | None = None,
    agent: str | None = None,
) -> DealLost:
    return DealLost(
        id=digest_id(namespace, *identity, deal_id, "lost"),
        ts=ms,
        deal_id=deal_id,
        reason=name(reason) if reason and reason.strip() else None,
        agent=agent,
    )
