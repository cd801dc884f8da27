"""Managing alert channels: settings checked and sealed at rest, secrets never shown, a
channel's team deciding who may change it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.channel_owners import ChannelUser
from app.alerts.channels import SECRET_FIELDS, merge_settings, parse_settings, public_settings
from app.alerts.destinations import DestinationRefused, check_literal
from app.alerts.models import AlertChannel
from app.alerts.schemas import ChannelIn, ChannelOut, ChannelPatch, aware
from app.alerts.sealing import config_needs_sealing, open_config, reseal_config, seal_config
from app.core.db import Database, utcnow
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.logging import get_logger
from app.core.sealing import SecretBox, SecretUnavailable, is_sealed
from app.org.service import team_id_of
from app.tenancy.models import Team

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    """How channels are stored and checked: secrets sealed with `box`; non-public destinations
    allowed or not (app/alerts/destinations.py)."""

    box: SecretBox
    private_destinations: bool


def channel_out(row: AlertChannel, box: SecretBox, team: str | None) -> ChannelOut:
    try:
        settings = public_settings(open_config(box, row.config))
    except SecretUnavailable as exc:
        # what can be shown without the secrets, and why they cannot be opened
        blank = dict.fromkeys(SECRET_FIELDS[row.kind], "")
        settings = {**public_settings({**row.config, **blank}), "sealed": str(exc)}
    return ChannelOut(
        id=row.id,
        name=row.name,
        kind=row.kind,
        settings=settings,
        team=team,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


async def unsealed_channels(db: Database) -> int:
    """How many channels hold a secret in the clear."""
    async with db.session() as session:
        rows = await session.scalars(select(AlertChannel))
        return sum(
            1
            for row in rows
            if any(
                isinstance(v := row.config.get(f), str) and v and not is_sealed(v)
                for f in SECRET_FIELDS[row.kind]
            )
        )


async def reseal_channels(db: Database, box: SecretBox) -> int:
    """Seal every channel secret that is plain or sealed with an older key; returns how many
    channels changed (none without a key)."""
    if not box.enabled:
        return 0
    changed = 0
    async with db.session() as session:
        for row in await session.scalars(select(AlertChannel).order_by(AlertChannel.id)):
            if not config_needs_sealing(box, row.config):
                continue
            try:
                row.config = reseal_config(box, row.config)
            except SecretUnavailable as exc:
                log.warning("alert channel not resealed", channel_id=row.id, reason=str(exc))
                continue
            changed += 1
        await session.commit()
    return changed


def _settings(data: dict[str, Any], private_ok: bool) -> dict[str, Any]:
    """Validated channel settings (secrets still open); unless `private_ok`, a host that is a
    non-public address (or `localhost`) is refused here already, not only when a delivery
    tries it."""
    try:
        config = parse_settings(data).model_dump()
    except ValidationError as exc:
        raise BadRequest(
            "invalid channel settings",
            details=[
                {"field": "settings." + ".".join(str(p) for p in e["loc"]), "reason": e["msg"]}
                for e in exc.errors(include_input=False, include_url=False)
            ],
        ) from None
    if not private_ok:
        field, host = (
            ("url", urlsplit(config["url"]).hostname or "")
            if "url" in config
            else ("smtp_host", config["smtp_host"])
        )
        try:
            check_literal(host)
        except DestinationRefused as exc:
            raise BadRequest(
                "invalid channel settings",
                details=[{"field": f"settings.{field}", "reason": str(exc)}],
            ) from None
    return config


async def list_channels(
    session: AsyncSession, tenant_id: int, box: SecretBox, user: ChannelUser
) -> list[ChannelOut]:
    rows = await session.execute(
        select(AlertChannel, Team.name)
        .outerjoin(Team, Team.id == AlertChannel.team_id)
        .where(AlertChannel.tenant_id == tenant_id)
        .order_by(AlertChannel.id)
    )
    return [channel_out(row, box, team) for row, team in rows.all() if user.may_read(team)]


async def get_channel(
    session: AsyncSession, tenant_id: int, channel_id: int, user: ChannelUser
) -> tuple[AlertChannel, str | None]:
    """The channel and its owning team, if `user` may see it (else 404, as if absent)."""
    found = (
        await session.execute(
            select(AlertChannel, Team.name)
            .outerjoin(Team, Team.id == AlertChannel.team_id)
            .where(AlertChannel.id == channel_id, AlertChannel.tenant_id == tenant_id)
        )
    ).first()
    if found is None or not user.may_read(found[1]):
        raise NotFound(f"no alert channel {channel_id}")
    return found[0], found[1]


async def _managed_channel(
    session: AsyncSession, tenant_id: int, channel_id: int, user: ChannelUser
) -> tuple[AlertChannel, str | None]:
    row, team = await get_channel(session, tenant_id, channel_id, user)
    if not user.may_manage(team):
        raise user.refuse_managing(team)
    return row, team


async def create_channel(
    session: AsyncSession,
    tenant_id: int,
    body: ChannelIn,
    policy: ChannelPolicy,
    user: ChannelUser,
) -> ChannelOut:
    if not user.may_manage(body.team):
        raise user.refuse_managing(body.team)
    team_id = await team_id_of(session, tenant_id, body.team)
    config = seal_config(policy.box, _settings(body.settings, policy.private_destinations))
    row = AlertChannel(
        tenant_id=tenant_id, name=body.name, kind=config["kind"], config=config, team_id=team_id
    )
    session.add(row)
    await _flush_unique(session, f"an alert channel named {body.name!r} exists already")
    return channel_out(row, policy.box, body.team)


async def update_channel(
    session: AsyncSession,
    tenant_id: int,
    channel_id: int,
    body: ChannelPatch,
    policy: ChannelPolicy,
    user: ChannelUser,
) -> ChannelOut:
    row, team = await _managed_channel(session, tenant_id, channel_id, user)
    if body.settings is not None:
        try:
            merged = merge_settings(open_config(policy.box, row.config), body.settings)
        except SecretUnavailable as exc:
            raise Conflict(f"{exc}: it cannot be changed, only deleted") from None
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        row.config = seal_config(policy.box, _settings(merged, policy.private_destinations))
    if body.name is not None:
        row.name = body.name
    row.updated_at = utcnow()
    await _flush_unique(session, f"an alert channel named {body.name!r} exists already")
    return channel_out(row, policy.box, team)


async def delete_channel(
    session: AsyncSession, tenant_id: int, channel_id: int, user: ChannelUser
) -> None:
    row, _ = await _managed_channel(session, tenant_id, channel_id, user)
    await session.delete(row)


async def _flush_unique(session: AsyncSession, message: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise Conflict(message) from None
