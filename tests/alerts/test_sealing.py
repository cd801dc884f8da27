"""Alert channel secrets sealed at rest: the database holds no secret in the clear once a key
is set, notifications still carry the right signature, keys rotate, legacy plain rows are sealed
at start, and a missing key is said plainly instead of sending garbage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.alerts.channel_service import reseal_channels
from app.alerts.delivery import Dispatcher
from app.alerts.models import AlertChannel, AlertDelivery
from app.alerts.payloads import verify
from app.alerts.runtime import AlertRuntime
from app.alerts.sealing import open_config, seal_config
from app.auth.keys import Scope
from app.core.config import Settings
from app.core.db import Database
from app.core.sealing import PREFIX, SecretBox, SecretUnavailable, generate_key
from app.integrations.models import CrmSettingsRow
from tests.alerts.deliveries import Fixture, Queued, delivery, notification
from tests.alerts.receivers import http_receiver
from tests.conftest import RunningApp, make_settings, start_app, stop_app
from tests.helpers import cli_env, floorwatch, make_tenant_key

SECRET = "a-webhook-secret-of-some-length"
OLD, NEW = generate_key(), generate_key()


def test_sealed_values_open_with_the_keys_that_sealed_them() -> None:
    old, new = SecretBox([OLD]), SecretBox([NEW, OLD])
    sealed = old.seal(SECRET)
    assert sealed.startswith(PREFIX)
    assert SECRET not in sealed
    assert old.seal(sealed) == sealed  # sealing twice does nothing
    assert old.open(sealed) == new.open(sealed) == SECRET
    assert new.needs_sealing(sealed)
    assert not new.needs_sealing(new.reseal(sealed))
    assert new.open(new.reseal(sealed)) == SECRET
    with pytest.raises(SecretUnavailable, match="neither FLOORWATCH_SECRET_KEY"):
        SecretBox([NEW]).open(sealed)
    with pytest.raises(SecretUnavailable, match="FLOORWATCH_SECRET_KEY is not set"):
        SecretBox([]).open(sealed)
    assert SecretBox([]).open(SECRET) == SECRET  # plain values pass
    assert SecretBox([]).seal(SECRET) == SECRET  # without a key nothing is sealed


def test_only_secret_fields_are_sealed() -> None:
    box = SecretBox([NEW])
    email = {"kind": "email", "to": ["a@example.com"], "smtp_host": "mx", "password": "pw"}
    sealed = seal_config(box, email)
    assert sealed["password"].startswith(PREFIX)
    assert (sealed["to"], sealed["smtp_host"]) == (["a@example.com"], "mx")
    slack = seal_config(box, {"kind": "slack", "url": "https://hooks.slack.com/services/T/B/x"})
    assert slack["url"].startswith(PREFIX)
    assert open_config(box, slack)["url"] == "https://hooks.slack.com/services/T/B/x"


def test_a_key_that_is_not_a_fernet_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="expected 32 bytes in URL-safe base64"):
        Settings(secret_key="hunter2")
    with pytest.raises(ValidationError, match="previous_secret_keys"):
        Settings(secret_key=NEW, previous_secret_keys=["short"])
    assert Settings(secret_key=NEW, previous_secret_keys=[OLD]).secret_keys() == [NEW, OLD]


@asynccontextmanager
async def serving(url: str, **overrides: Any) -> AsyncIterator[RunningApp]:
    app, task = await start_app(make_settings(database_url=url, **overrides))
    try:
        yield app
    finally:
        await stop_app(app, task)


async def stored_secret(url: str) -> str:
    db = Database(url)
    try:
        async with db.session() as session:
            [row] = await session.scalars(select(AlertChannel))
            secret: str = row.config["secret"]
            return secret
    finally:
        await db.close()


async def test_the_database_never_holds_the_secret_and_keys_rotate(sqlite_url: str) -> None:
    _, key = await make_tenant_key(sqlite_url, {Scope.admin, Scope.read})
    hook = {"kind": "webhook", "url": "https://hooks.example.com/fw", "secret": SECRET}
    async with serving(sqlite_url) as app, app.client(key) as client:
        assert app.services.part(AlertRuntime).unsealed == 0  # nothing to warn about at the start
        made = await client.post("/v1/alert-channels", json={"name": "hook", "settings": hook})
        assert made.status_code == 201, made.text
    assert await stored_secret(sqlite_url) == SECRET  # no key yet: as given
    async with serving(sqlite_url) as app:
        assert app.services.part(AlertRuntime).unsealed == 1  # counted, and warned about

    async with serving(sqlite_url, secret_key=OLD) as app, app.client(key) as client:
        first = await stored_secret(sqlite_url)  # sealed when the service started
        assert first.startswith(PREFIX)
        assert SecretBox([OLD]).open(first) == SECRET
        shown = (await client.get("/v1/alert-channels")).json()[0]["settings"]
        assert shown["has_secret"] is True
        assert SECRET not in str(shown)
        renamed = await client.patch(
            f"/v1/alert-channels/{made.json()['id']}", json={"settings": {"timeout_s": 5}}
        )
        assert renamed.status_code == 200, renamed.text
        kept = await stored_secret(sqlite_url)
        assert kept.startswith(PREFIX)
        assert SecretBox([OLD]).open(kept) == SECRET

    async with serving(sqlite_url, secret_key=NEW, previous_secret_keys=[OLD]):
        rotated = await stored_secret(sqlite_url)
        assert SecretBox([NEW]).open(rotated) == SECRET  # the old key is no longer needed

    async with serving(sqlite_url) as app, app.client(key) as client:
        listed = (await client.get("/v1/alert-channels")).json()[0]["settings"]
        assert listed["sealed"] == (
            "the channel's secrets are sealed and FLOORWATCH_SECRET_KEY is not set"
        )
        refused = await client.patch(
            f"/v1/alert-channels/{made.json()['id']}", json={"settings": {"timeout_s": 6}}
        )
        assert refused.status_code == 409, refused.text
        assert "cannot be changed, only deleted" in refused.json()["error"]["message"]


async def deliver(
    fx: Fixture, box: SecretBox, settings: dict[str, Any]
) -> tuple[AlertDelivery, Queued]:
    dispatcher = Dispatcher(fx.db, private_destinations=True, box=box)
    n = await notification(fx, settings)
    dispatcher.wake()
    assert await dispatcher.idle(10)
    await dispatcher.close()
    row, _ = await delivery(fx, n.delivery_id)
    return row, n


async def test_a_sealed_secret_signs_the_notification(fx: Fixture) -> None:
    box = SecretBox([NEW])
    async with http_receiver() as receiver:
        sealed = seal_config(box, {"kind": "webhook", "url": receiver.url, "secret": SECRET})
        row, _ = await deliver(fx, box, sealed)
    assert row.status == "delivered"
    [request] = receiver.requests
    assert verify(SECRET, request.body, request.headers["x-floorwatch-signature"])


async def test_without_the_key_the_delivery_fails_and_says_why(fx: Fixture) -> None:
    sealed = seal_config(
        SecretBox([NEW]), {"kind": "slack", "url": "https://hooks.slack.com/services/T/B/x"}
    )
    row, _ = await deliver(fx, SecretBox([OLD]), sealed)
    assert (row.status, row.attempts) == ("failed", 0)
    assert row.last_error is not None
    assert row.last_error.startswith("the channel's secrets were sealed with a key that is")


async def test_the_cli_makes_keys_and_reseals(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(database_url=sqlite_url)
    made = floorwatch("secrets", "generate-key", env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert SecretBox([key]).open(SecretBox([key]).seal("x")) == "x"

    nothing = floorwatch("secrets", "reseal", env=env, cwd=tmp_path)
    assert nothing.returncode == 2
    assert "FLOORWATCH_SECRET_KEY is not set" in nothing.stderr

    tenant_id, _ = await make_tenant_key(sqlite_url)
    db = Database(sqlite_url)
    try:
        async with db.session() as session:
            session.add(
                AlertChannel(
                    tenant_id=tenant_id,
                    name="mail",
                    kind="email",
                    config={"kind": "email", "to": ["a@example.com"], "password": "pw"},
                )
            )
            session.add(CrmSettingsRow(tenant_id=tenant_id, crm="hubspot", client_secret="hs"))
            await session.commit()
    finally:
        await db.close()
    sealed = floorwatch(
        "secrets", "reseal", env={**env, "FLOORWATCH_SECRET_KEY": key}, cwd=tmp_path
    )
    assert sealed.returncode == 0, sealed.stderr
    assert sealed.stdout.splitlines() == [
        "sealed the secrets of 1 channels",
        "sealed 1 CRM client secrets",
    ]
    db = Database(sqlite_url)
    try:
        async with db.session() as session:
            [row] = await session.scalars(select(AlertChannel))
            assert SecretBox([key]).open(row.config["password"]) == "pw"
            assert row.config["password"] != "pw"
            [crm] = await session.scalars(select(CrmSettingsRow))
            assert crm.client_secret is not None
            assert crm.client_secret != "hs"
            assert SecretBox([key]).open(crm.client_secret) == "hs"
    finally:
        await db.close()


async def test_a_secret_no_key_opens_is_left_alone_and_the_rest_sealed(sqlite_url: str) -> None:
    tenant_id, _ = await make_tenant_key(sqlite_url)
    foreign = SecretBox([generate_key()]).seal("someone else's secret")
    db = Database(sqlite_url)
    try:
        async with db.session() as session:
            for name, password in (("plain", "pw"), ("foreign", foreign)):
                config = {"kind": "email", "to": ["a@example.com"], "password": password}
                session.add(
                    AlertChannel(tenant_id=tenant_id, name=name, kind="email", config=config)
                )
            await session.commit()
        assert await reseal_channels(db, SecretBox([NEW])) == 1
        async with db.session() as session:
            rows = {
                r.name: r.config["password"] for r in await session.scalars(select(AlertChannel))
            }
    finally:
        await db.close()
    assert SecretBox([NEW]).open(rows["plain"]) == "pw"
    assert rows["foreign"] == foreign
