"""`/v1/messages`: messages to the floor. Posting, listing and taking down are for admins,
supervisors and team leads, each within the dashboards they may change (app/messages/service.py);
the walls receive the messages over the WebSocket (`messages:SCOPE` topics, docs/wall.md)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.auth.deps import StaffPrincipal
from app.dashboards.service import viewer_of
from app.messages.feed import MessageFeed
from app.messages.schemas import MessageIn, MessageOut
from app.messages.service import delete_message, list_messages, post_message
from app.services import ServicesDep

router = APIRouter(prefix="/v1/messages", tags=["messages"])


@router.get(
    "",
    summary="The messages on the walls now that you may take down, newest first",
)
async def get_messages(principal: StaffPrincipal, services: ServicesDep) -> list[MessageOut]:
    async with services.db.session() as session:
        return await list_messages(session, await viewer_of(session, principal))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Post a message to one dashboard's walls or to every wall",
    description="Every wall showing the dashboard (wall mode and display links), or every wall "
    "of the tenant without `dashboard_id`, shows it at once until `expires_at`. A team lead "
    "posts to their teams' dashboards only; every wall needs an admin or a supervisor of all "
    "teams (403 otherwise). An unknown or invisible dashboard, or an expiry in the past, is "
    "refused with the field (400).",
    responses={403: {"description": "not a dashboard you may change"}},
)
async def create_message(
    body: MessageIn, principal: StaffPrincipal, services: ServicesDep
) -> MessageOut:
    async with services.db.session() as session:
        out = await post_message(session, await viewer_of(session, principal), body)
        await session.commit()
    services.part(MessageFeed).changed(principal.tenant_id)
    return out


@router.delete(
    "/{message_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take a message off the walls",
    responses={404: {"description": "no such message that you may take down"}},
)
async def remove_message(
    message_id: int, principal: StaffPrincipal, services: ServicesDep
) -> Response:
    async with services.db.session() as session:
        await delete_message(session, await viewer_of(session, principal), message_id)
        await session.commit()
    services.part(MessageFeed).changed(principal.tenant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
