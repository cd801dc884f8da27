"""Phrase lists in the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest, Conflict, NotFound
from app.phrases.models import PhraseListRow
from app.phrases.schemas import PhraseListIn

MAX_LISTS = 50


async def list_phrase_lists(session: AsyncSession, tenant_id: int) -> list[PhraseListRow]:
    query = (
        select(PhraseListRow)
        .where(PhraseListRow.tenant_id == tenant_id)
        .order_by(PhraseListRow.name)
    )
    return list((await session.scalars(query)).all())


async def get_phrase_list(session: AsyncSession, tenant_id: int, list_id: int) -> PhraseListRow:
    row = await session.get(PhraseListRow, list_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"no phrase list with id {list_id} in this tenant")
    return row


async def save_phrase_list(session: AsyncSession, row: PhraseListRow) -> PhraseListRow:
    """Insert or update; a name taken in the tenant is a 409, the 51st list a 400."""
    if row.id is None:
        count = await session.scalar(
            select(func.count()).where(PhraseListRow.tenant_id == row.tenant_id)
        )
        if (count or 0) >= MAX_LISTS:
            raise BadRequest(
                f"a tenant has at most {MAX_LISTS} phrase lists",
                details=[{"field": "name", "reason": "too many lists"}],
            )
        session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(
            f"a phrase list named {row.name!r} exists already",
            details=[{"field": "name", "reason": "taken"}],
        ) from exc
    return row


async def ensure_phrase_lists(
    session: AsyncSession, tenant_id: int, lists: Sequence[Mapping[str, Any]]
) -> bool:
    """Give a tenant these lists unless it has phrase lists already (the demo's); True if it
    did."""
    if await list_phrase_lists(session, tenant_id):
        return False
    for item in lists:
        body = PhraseListIn.model_validate(item)
        session.add(
            PhraseListRow(
                tenant_id=tenant_id,
                name=body.name,
                kind=body.kind,
                role=body.role,
                phrases=body.phrases,
                within_s=body.within_s,
                version=1,
            )
        )
    await session.flush()
    return True
