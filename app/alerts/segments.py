"""The transcript text of phrase alerts: who may read it, where it is added, when it goes.

The text is personal data. It is stored (`AlertSegment`) only when the tenant keeps matching
segments, and only until the segment retention ends. It is added to an alert only

- in the REST API, for admins, supervisors and team leads who may see the alert's agent (not
  agents, display links or read-only API keys);
- in notifications, to tenant-wide channels (admins own them) and to the channels of the
  agent's own team (its supervisors and leads own them) — app/alerts/outbox.py;

and never to the wall's `alerts:` topics, which every reader of a wall shares. It is never
logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import AlertSegment
from app.alerts.schemas import AlertOut, PhraseAlertOut
from app.auth.principal import Principal
from app.auth.roles import STAFF_ROLES
from app.streams.clock import wall_ms

A = TypeVar("A", bound=AlertOut)


def may_read_text(principal: Principal, alert: AlertOut) -> bool:
    phrase = alert.phrase
    if phrase is None:
        return False
    if not (principal.is_admin or principal.role in STAFF_ROLES):
        return False
    access = principal.access
    if phrase.agent is None:
        return access.all_teams and access.only_agent is None
    return access.can_see_agent(phrase.agent, alert.team)


def expires_at(wall_now_ms: int, aggregator_now_ms: int, said_ms: int, retention_ms: int) -> int:
    """The wall-clock time a segment said at `said_ms` (aggregator clock) reaches the end of
    its retention."""
    return wall_now_ms + retention_ms - max(0, aggregator_now_ms - said_ms)


async def texts(session: AsyncSession, alert_ids: Sequence[int]) -> dict[int, str]:
    """Alert id → the segment's text, for those still within their retention."""
    if not alert_ids:
        return {}
    rows = await session.execute(
        select(AlertSegment.alert_id, AlertSegment.text).where(
            AlertSegment.alert_id.in_(list(alert_ids)), AlertSegment.expires_ms > wall_ms()
        )
    )
    return dict(rows.all())


def with_phrase_text(alert: A, text: str | None) -> A:
    if alert.phrase is None:
        return alert
    phrase = PhraseAlertOut(**{**alert.phrase.model_dump(), "text": text})
    return alert.model_copy(update={"phrase": phrase})


async def add_texts(session: AsyncSession, alerts: Sequence[A], principal: Principal) -> list[A]:
    """The alerts with their segments' text where `principal` may read it."""
    readable = [a.id for a in alerts if may_read_text(principal, a)]
    found = await texts(session, readable)
    return [with_phrase_text(a, found[a.id]) if a.id in found else a for a in alerts]


async def prune_segments(session: AsyncSession, now_ms: int) -> int:
    """Delete the segments whose retention ended before `now_ms` (wall clock)."""
    result = await session.execute(delete(AlertSegment).where(AlertSegment.expires_ms <= now_ms))
    count: int = result.rowcount  # type: ignore[attr-defined]
    return count
