"""A tenant's CRM settings on SQLite and PostgreSQL: a PUT replaces the mapping and keeps the
client secret unless told otherwise, the secret is sealed at rest, and tenants and CRMs are
kept apart."""

from __future__ import annotations

from sqlalchemy import text

from app.core.db import Database
from app.core.sealing import SecretBox, generate_key, is_sealed
from app.integrations.crm_settings import (
    Crm,
    CrmSettingsIn,
    load_settings,
    mapping_of,
    reseal_crm_secrets,
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


async def test_reseal_seals_plain_and_old_secrets(db: Database, database_url: str) -> None:
    plain, _ = await make_tenant_key(database_url)
    old_sealed, _ = await make_tenant_key(database_url)
    foreign, _ = await make_tenant_key(database_url)
    old, new = generate_key(), generate_key()
    async with db.session() as session:
        for tenant, box in (
            (plain, SecretBox([])),
            (old_sealed, SecretBox([old])),
            (foreign, SecretBox([generate_key()])),
        ):
            body = CrmSettingsIn(client_secret=f"secret-of-{tenant}")
            await save_settings(session, tenant, Crm.hubspot, body, box)
        await session.commit()
    async with db.session() as session:
        before = await load_settings(session, foreign, Crm.hubspot)
    assert before is not None
    foreign_secret = before.client_secret
    rotated = SecretBox([new, old])
    assert await reseal_crm_secrets(db, SecretBox([])) == 0  # nothing to seal with
    resealed = await reseal_crm_secrets(db, rotated)
    async with db.session() as session:
        rows = {
            t: await load_settings(session, t, Crm.hubspot) for t in (plain, old_sealed, foreign)
        }
    only_new = SecretBox([new])
    assert resealed >= 2  # the two this test can open (other tests' rows may be resealed too)
    for tenant in (plain, old_sealed):
        row = rows[tenant]
        assert row is not None
        assert row.client_secret is not None
        assert only_new.open(row.client_secret) == f"secret-of-{tenant}"
    row = rows[foreign]
    assert row is not None
    assert row.client_secret == foreign_secret  # sealed with a key we lack: left as it was
    assert await reseal_crm_secrets(db, rotated) == 0  # everything it can open is current
