"""`/v1/phrase-lists`: what phrase spotting looks for (docs/metrics.md, Phrase spotting).
Admins write; admins, supervisors and team leads read (the lists are the floor's scripts, not
personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from app.auth.deps import AdminPrincipal, StaffPrincipal
from app.core.errors import BadRequest
from app.core.logging import get_logger
from app.phrases.models import PhraseListRow
from app.phrases.schemas import PhraseListIn, PhraseListOut, PhraseListUpdate, within_refused
from app.phrases.service import get_phrase_list, list_phrase_lists, save_phrase_list
from app.services import ServicesDep

router = APIRouter(prefix="/v1/phrase-lists", tags=["phrases"])
log = get_logger(__name__)
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such phrase list in this tenant"}
}


def _out(row: PhraseListRow) -> PhraseListOut:
    return PhraseListOut.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "kind": row.kind,
            "role": row.role,
            "phrases": row.phrases,
            "within_s": row.within_s,
            "version": row.version,
        }
    )


@router.get("", summary="The tenant's phrase lists, by name")
async def get_lists(principal: StaffPrincipal, services: ServicesDep) -> list[PhraseListOut]:
    async with services.db.session() as session:
        return [_out(row) for row in await list_phrase_lists(session, principal.tenant_id)]


@router.get("/{list_id}", summary="One phrase list", responses=NOT_FOUND)
async def get_list(list_id: int, principal: StaffPrincipal, services: ServicesDep) -> PhraseListOut:
    async with services.db.session() as session:
        return _out(await get_phrase_list(session, principal.tenant_id, list_id))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a phrase list (admins)",
    description="At most 50 lists of at most 200 phrases each; a name is unique in the tenant.",
)
async def post_list(
    body: PhraseListIn, principal: AdminPrincipal, services: ServicesDep
) -> PhraseListOut:
    async with services.db.session() as session:
        row = await save_phrase_list(
            session,
            PhraseListRow(
                tenant_id=principal.tenant_id,
                name=body.name,
                kind=body.kind,
                role=body.role,
                phrases=body.phrases,
                within_s=body.within_s,
                version=1,
            ),
        )
        await session.commit()
        log.info("phrase list created", list_id=row.id, name=row.name, by=principal.describe())
        return _out(row)


@router.patch("/{list_id}", summary="Change a phrase list (admins)", responses=NOT_FOUND)
async def patch_list(
    list_id: int, body: PhraseListUpdate, principal: AdminPrincipal, services: ServicesDep
) -> PhraseListOut:
    async with services.db.session() as session:
        row = await get_phrase_list(session, principal.tenant_id, list_id)
        changes = body.model_dump(exclude_unset=True)
        for name, value in changes.items():
            if value is not None or name == "within_s":
                setattr(row, name, value)
        refused = within_refused(row.kind, row.within_s)
        if refused:
            raise BadRequest(
                refused, details=[{"field": "within_s", "reason": f"the list is `{row.kind}`"}]
            )
        row.version += 1
        await save_phrase_list(session, row)
        await session.commit()
        log.info("phrase list changed", list_id=row.id, fields=sorted(changes))
        return _out(row)


@router.delete(
    "/{list_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a phrase list (admins)",
    responses=NOT_FOUND,
)
async def delete_list(list_id: int, principal: AdminPrincipal, services: ServicesDep) -> Response:
    async with services.db.session() as session:
        await session.delete(await get_phrase_list(session, principal.tenant_id, list_id))
        await session.commit()
    log.info("phrase list deleted", list_id=list_id, by=principal.describe())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
