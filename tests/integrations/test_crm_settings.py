"""A tenant's CRM settings on SQLite and PostgreSQL: a PUT replaces the mapping and keeps the
client secret unless told otherwise, the secret is sealed at rest, and tenants and CRMs are
kept apart."""

from __future__ import annotations

from sqlalchemy import text

from app.alerts.sealing import SecretBox, generate_key, is_sealed
from app.core.db import Database
from app.integrations.crm_settings import (
    Crm,
    CrmSettingsIn,
    load_settings,
    mapping_of,
    save_settings,
)
from tests.helpers import make_tenant_key


async def test_settings_round_trip_and_the_secret_is_sealed(
    db: Database, database_url: str
) -> None:
    tenant, _ = await make_tenant_key(database_url)
    other, _ = await make_tenant_key(database_url)
    box = SecretBox([generate_key()])
    first = CrmSettingsIn(
        stages={"appointmentscheduled": "Appointment scheduled"},
        won_stages=["closedwon", "closedwon"],
        lost_stages=["closedlost"],
        owners={"81234567": "anna"},
        client_secret="s3cret-of-the-app",
    )
    async with db.session() as session:
        await save_settings(session, tenant, Crm.hubspot, first, box)
        await save_settings(
            session, tenant, Crm.pipedrive, CrmSettingsIn(stages={"1": "Won?"}), box
        )
        await session.commit()
    async with db.session() as session:
        again = CrmSettingsIn(stages={"qualifiedtobuy": "Qualified"})
        await save_settings(session, tenant, Crm.hubspot, again, box)
        await session.commit()
    async with db.session() as session:
        row = await load_settings(session, tenant, Crm.hubspot)
        stored = (
            await session.execute(
                text(
                    "SELECT client_secret FROM crm_settings "
                    "WHERE tenant_id = :t AND crm = 'hubspot'"
                ),
                {"t": tenant},
            )
        ).scalar_one()
        pipedrive = await load_settings(session, tenant, Crm.pipedrive)
        nothing = await load_settings(session, other, Crm.hubspot)
    assert row is not None
    mapping = mapping_of(row)
    assert dict(mapping.stages) == {"qualifiedtobuy": "Qualified"}  # replaced, not merged
    assert mapping.won_stages == frozenset()
    assert dict(mapping.owners) == {}
    assert is_sealed(stored)
    assert "s3cret" not in stored
    assert box.open(stored) == "s3cret-of-the-app"
    assert pipedrive is not None
    assert pipedrive.stages == {"1": "Won?"}
    assert nothing is None


async def test_an_empty_secret_removes_it(db: Database, database_url: str) -> None:
    tenant, _ = await make_tenant_key(database_url)
    box = SecretBox([])
    async with db.session() as session:
        await save_settings(session, tenant, Crm.hubspot, CrmSettingsIn(client_secret="x"), box)
        await session.commit()
    async with db.session() as session:
        await save_settings(session, tenant, Crm.hubspot, CrmSettingsIn(client_secret=""), box)
        await session.commit()
    async with db.session() as session:
        row = await load_settings(session, tenant, Crm.hubspot)
    assert row is not None
    assert row.client_secret is None
