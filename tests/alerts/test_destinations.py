"""Which addresses alert deliveries may reach when private destinations are off, and that the
API refuses a channel aimed at one at once (deliveries: tests/alerts/test_delivery.py)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator

import pytest

from app.alerts.destinations import DestinationRefused, is_public, vet
from app.auth.keys import Scope
from tests.conftest import RunningApp, make_settings, start_app, stop_app
from tests.helpers import make_tenant_key

NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "198.18.0.1",
    "224.0.0.251",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fd00:ec2::254",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "ff02::1",
    # IPv6 forms that lead to a private IPv4 address (issue 18, item 8)
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b:1::808:808",  # local-use NAT64 prefix
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "::a00:1",  # IPv4-compatible 10.0.0.1
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "151.101.1.69",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of a public address
    "2002:808:808::1",  # 6to4 of a public address
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def info(address: str) -> tuple[object, ...]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return (family, socket.SOCK_STREAM, 6, "", (address, 443))


def test_a_name_with_any_private_address_is_refused() -> None:
    assert vet("hooks.example.com", [info("8.8.8.8"), info("1.1.1.1")]) == "8.8.8.8"
    with pytest.raises(DestinationRefused, match=r"'x\.example\.com' resolves to 10\.0\.0\.7"):
        vet("x.example.com", [info("8.8.8.8"), info("10.0.0.7")])
    with pytest.raises(DestinationRefused, match="resolves to fe80::1"):
        vet("y.example.com", [info("fe80::1%eth0")])


@pytest.fixture
async def guarded(sqlite_url: str) -> AsyncIterator[RunningApp]:
    settings = make_settings(database_url=sqlite_url, alert_private_destinations=False)
    app, task = await start_app(settings)
    try:
        yield app
    finally:
        await stop_app(app, task)


@pytest.mark.parametrize(
    ("settings", "field", "shown"),
    [
        ({"kind": "webhook", "url": "http://10.0.0.5:8080/hook"}, "settings.url", "'10.0.0.5'"),
        ({"kind": "slack", "url": "http://[::1]/services/x"}, "settings.url", "'::1'"),
        ({"kind": "teams", "url": "https://localhost/hook"}, "settings.url", "'localhost'"),
        (
            {
                "kind": "email",
                "to": ["a@example.com"],
                "from_address": "f@example.com",
                "smtp_host": "169.254.169.254",
            },
            "settings.smtp_host",
            "'169.254.169.254'",
        ),
    ],
)
async def test_the_api_refuses_a_private_destination(
    guarded: RunningApp, settings: dict[str, object], field: str, shown: str
) -> None:
    _, key = await make_tenant_key(guarded.settings.database_url, {Scope.admin, Scope.read})
    async with guarded.client(key) as client:
        refused = await client.post("/v1/alert-channels", json={"name": "c", "settings": settings})
        assert refused.status_code == 400, refused.text
        [detail] = refused.json()["error"]["details"]
        assert detail["field"] == field
        assert detail["reason"].startswith(f"{shown} is not a public address")
        listed = await client.get("/v1/alert-channels")
    assert listed.json() == []


async def test_a_channel_cannot_be_moved_to_a_private_destination(guarded: RunningApp) -> None:
    _, key = await make_tenant_key(guarded.settings.database_url, {Scope.admin, Scope.read})
    async with guarded.client(key) as client:
        hook = {"kind": "webhook", "url": "https://hooks.example.com/x"}
        made = await client.post("/v1/alert-channels", json={"name": "c", "settings": hook})
        assert made.status_code == 201, made.text
        moved = await client.patch(
            f"/v1/alert-channels/{made.json()['id']}",
            json={"settings": {"url": "http://192.168.0.10/x"}},
        )
        assert moved.status_code == 400, moved.text
        assert moved.json()["error"]["details"][0]["field"] == "settings.url"
        [kept] = (await client.get("/v1/alert-channels")).json()
        assert kept["settings"]["url"] == "https://hooks.example.com/x"
