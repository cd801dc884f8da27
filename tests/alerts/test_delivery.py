"""The dispatcher against real local receivers and a real database: retries with backoff and
Retry-After, giving up, signatures, chat payloads, e-mail, and independence of channels."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
import time
from typing import Any

import httpx
import pytest

from app.alerts.delivery import Backoff, Dispatcher
from app.alerts.destinations import is_public, pinned_request, smtp_client
from app.alerts.payloads import verify
from tests.alerts.deliveries import Fixture, delivery, notification
from tests.alerts.receivers import Reply, http_receiver, smtp_server
from tests.helpers import free_port

SECRET = "s3cret-s3cret-s3cret"


def email(port: int, *to: str) -> dict[str, Any]:
    """An e-mail channel's settings for the test SMTP server on loopback."""
    return {
        "kind": "email",
        "to": list(to),
        "from_address": "floorwatch@example.com",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "security": "none",
    }


def webhook(url: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "webhook", "url": url, "secret": SECRET, "timeout_s": 2, **extra}


async def test_webhook_503_twice_then_200_is_one_delivery_after_three_signed_attempts(
    fx: Fixture,
) -> None:
    dispatcher = Dispatcher(fx.db, Backoff(initial_s=0.05), private_destinations=True)
    async with http_receiver([Reply(503), Reply(503)]) as receiver:
        n = await notification(fx, webhook(receiver.url))
        dispatcher.wake()
        assert await dispatcher.idle(10)
    await dispatcher.close()
    assert len(receiver.requests) == 3
    for request in receiver.requests:
        assert verify(SECRET, request.body, request.headers["x-floorwatch-signature"])
        assert request.headers["x-floorwatch-delivery"] == str(n.delivery_id)
        body = request.json()
        assert body["status"] == "firing"
        assert body["fingerprint"] == "f" * 32
        assert body["alert"]["scope"] == "queue:Sales"
    assert receiver.requests[1].at - receiver.requests[0].at >= 0.05
    assert receiver.requests[2].at - receiver.requests[1].at >= 0.1
    row, attempts = await delivery(fx, n.delivery_id)
    assert (row.status, row.attempts) == ("delivered", 3)
    assert [(a.outcome, a.status_code) for a in attempts] == [
        ("retry", 503),
        ("retry", 503),
        ("ok", 200),
    ]


async def test_a_tampered_body_does_not_verify() -> None:
    from app.alerts.payloads import sign

    body = b'{"status":"firing"}'
    assert verify(SECRET, body, sign(SECRET, body))
    assert not verify(SECRET, body + b" ", sign(SECRET, body))
    assert not verify("another-secret-xxxxxx", body, sign(SECRET, body))


async def test_retry_after_is_honoured(fx: Fixture) -> None:
    dispatcher = Dispatcher(fx.db, Backoff(initial_s=0.01), private_destinations=True)
    async with http_receiver([Reply(429, {"Retry-After": "1"})]) as receiver:
        n = await notification(fx, webhook(receiver.url))
        dispatcher.wake()
        assert await dispatcher.idle(10)
    await dispatcher.close()
    assert len(receiver.requests) == 2
    assert receiver.requests[1].at - receiver.requests[0].at >= 0.95
    row, _ = await delivery(fx, n.delivery_id)
    assert row.status == "delivered"


async def test_gives_up_after_the_bounded_time_and_records_why(fx: Fixture) -> None:
    dispatcher = Dispatcher(fx.db, Backoff(initial_s=0.1, max_s=0.4), private_destinations=True)
    async with http_receiver([Reply(500)] * 100) as receiver:
        n = await notification(fx, webhook(receiver.url, give_up_after_s=1.0))
        started = time.monotonic()
        dispatcher.wake()
        assert await dispatcher.idle(10)
        spent = time.monotonic() - started
    await dispatcher.close()
    row, attempts = await delivery(fx, n.delivery_id)
    assert row.status == "failed"
    assert row.last_error is not None
    assert row.last_error.startswith("gave up after")
    assert "HTTP 500" in row.last_error
    assert 3 <= len(attempts) == len(receiver.requests) <= 6
    assert spent < 3.0


async def test_a_permanent_error_is_not_retried(fx: Fixture) -> None:
    dispatcher = Dispatcher(fx.db, Backoff(initial_s=0.01), private_destinations=True)
    async with http_receiver([Reply(404)]) as receiver:
        n = await notification(fx, webhook(receiver.url))
        dispatcher.wake()
        assert await dispatcher.idle(10)
    await dispatcher.close()
    row, _ = await delivery(fx, n.delivery_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 404")
    assert len(receiver.requests) == 1


async def test_a_timeout_is_retried(fx: Fixture) -> None:
    dispatcher = Dispatcher(fx.db, Backoff(initial_s=0.01), private_destinations=True)
    async with http_receiver([Reply(200, delay_s=1.0)]) as receiver:
        n = await notification(fx, webhook(receiver.url, timeout_s=0.2))
        dispatcher.wake()
        assert await dispatcher.idle(10)
        await dispatcher.close()
    row, attempts = await delivery(fx, n.delivery_id)
    assert row.status == "delivered"
    assert attempts[0].outcome == "retry"
    assert attempts[0].error == "no response within 0.2 s"


async def test_a_failing_channel_blocks_neither_waking_nor_other_channels(fx: Fixture) -> None:
    dispatcher = Dispatcher(fx.db, Backoff(initial_s=0.2), private_destinations=True)
    async with (
        http_receiver([Reply(503)] * 100) as failing,
        http_receiver() as healthy,
    ):
        bad = await notification(fx, webhook(failing.url, give_up_after_s=30))
        good = await notification(fx, webhook(healthy.url))
        started = time.monotonic()
        dispatcher.wake()
        assert time.monotonic() - started < 0.05
        for _ in range(200):
            if healthy.requests:
                break
            await asyncio.sleep(0.01)
        assert len(healthy.requests) == 1
        assert time.monotonic() - started < 3.0  # while the other channel is still retrying
        row, _ = await delivery(fx, bad.delivery_id)
        assert row.status in ("queued", "delivering")  # between retries, or in one
        assert row.finished_at is None
        await dispatcher.close(grace_s=0.1)
    row, _ = await delivery(fx, good.delivery_id)
    assert row.status == "delivered"


async def test_secrets_never_reach_the_recorded_error(fx: Fixture) -> None:
    token = "T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
    url = f"http://127.0.0.1:{free_port()}/services/{token}"
    dispatcher = Dispatcher(fx.db, Backoff(initial_s=0.01), private_destinations=True)
    n = await notification(fx, {"kind": "slack", "url": url, "give_up_after_s": 0})
    dispatcher.wake()
    assert await dispatcher.idle(10)
    await dispatcher.close()
    row, attempts = await delivery(fx, n.delivery_id)
    assert row.status == "failed"
    assert attempts[0].error is not None
    assert attempts[0].error.startswith("connection failed")
    assert token not in (row.last_error or "")
    assert token not in attempts[0].error


async def test_slack_and_teams_get_their_own_payloads_and_no_url_is_logged(
    fx: Fixture, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    dispatcher = Dispatcher(fx.db, private_destinations=True)
    async with http_receiver() as receiver:
        await notification(fx, {"kind": "slack", "url": receiver.url + "/slack/tok3n"})
        await notification(fx, {"kind": "teams", "url": receiver.url + "/teams"}, "resolved")
        dispatcher.wake()
        assert await dispatcher.idle(10)
    await dispatcher.close()
    assert "tok3n" not in caplog.text
    by_path = {r.path: r.json() for r in receiver.requests}
    text = by_path["/hook/slack/tok3n"]["text"]
    assert text.startswith("[FIRING] critical: Sales SL (queue:Sales)")
    assert "72.0%" in text
    assert by_path["/hook/slack/tok3n"]["attachments"][0]["color"] == "#d1242f"
    card = by_path["/hook/teams"]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert card["content"]["body"][0]["text"].startswith("[RESOLVED]")


async def test_email_reaches_a_real_smtp_server(fx: Fixture) -> None:
    dispatcher = Dispatcher(fx.db, private_destinations=True)
    with smtp_server() as (box, port):
        n = await notification(fx, email(port, "lead@example.com", "Ops <ops@example.com>"))
        dispatcher.wake()
        assert await dispatcher.idle(10)
        await dispatcher.close()
    row, _ = await delivery(fx, n.delivery_id)
    assert row.status == "delivered"
    assert len(box.messages) == 1
    envelope, message = box.messages[0]
    assert sorted(envelope.rcpt_tos) == ["lead@example.com", "ops@example.com"]
    assert message["Subject"] == "[FIRING] critical: Sales SL (queue:Sales)"
    assert message["X-Floorwatch-Fingerprint"] == "f" * 32
    assert "Service level (15m) of queue:Sales is 72.0%" in message.get_payload()


async def test_a_loopback_webhook_is_refused_unless_private_destinations_are_on(
    fx: Fixture,
) -> None:
    dispatcher = Dispatcher(fx.db, Backoff(initial_s=0.01))
    async with http_receiver() as receiver:
        by_address = await notification(fx, webhook(receiver.url))
        by_name = await notification(fx, webhook(receiver.url.replace("127.0.0.1", "localhost")))
        dispatcher.wake()
        assert await dispatcher.idle(10)
    await dispatcher.close()
    assert receiver.requests == []
    for n, shown in ((by_address, "'127.0.0.1'"), (by_name, "'localhost'")):
        row, attempts = await delivery(fx, n.delivery_id)
        assert (row.status, row.attempts) == ("failed", 1)
        assert attempts[0].outcome == "fail"
        assert attempts[0].error == (
            f"{shown} is not a public address: deliveries to private networks are off "
            "(FLOORWATCH_ALERT_PRIVATE_DESTINATIONS)"
        )


async def test_a_name_is_vetted_by_what_it_resolves_to(fx: Fixture) -> None:
    """The machine's own host name resolves to a loopback or private address (here through
    /etc/hosts): the delivery resolves it, sees that, and never connects."""
    name = socket.gethostname()
    resolved = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    assert not any(is_public(ipaddress.ip_address(a)) for a in resolved), resolved
    dispatcher = Dispatcher(fx.db)
    async with http_receiver() as receiver:
        n = await notification(fx, webhook(receiver.url.replace("127.0.0.1", name)))
        dispatcher.wake()
        assert await dispatcher.idle(10)
    await dispatcher.close()
    assert receiver.requests == []
    row, attempts = await delivery(fx, n.delivery_id)
    assert row.status == "failed"
    assert attempts[0].error is not None
    assert attempts[0].error.startswith(f"{name!r} resolves to ")
    assert "is not a public address" in attempts[0].error


async def test_smtp_to_a_loopback_host_is_refused(fx: Fixture) -> None:
    dispatcher = Dispatcher(fx.db)
    with smtp_server() as (box, port):
        n = await notification(fx, email(port, "lead@example.com"))
        dispatcher.wake()
        assert await dispatcher.idle(10)
        await dispatcher.close()
    row, attempts = await delivery(fx, n.delivery_id)
    assert (row.status, [a.outcome for a in attempts]) == ("failed", ["fail"])
    assert box.messages == []


async def test_a_pinned_request_reaches_the_vetted_address_with_the_host_name() -> None:
    """What a delivery sends once the address is vetted: to the address, never resolving the
    name again (this one resolves nowhere), with the URL's host in `Host`."""
    async with http_receiver() as receiver:
        port = httpx.URL(receiver.url).port
        pinned = pinned_request(f"http://hooks.floorwatch.invalid:{port}/hook?x=1", "127.0.0.1")
        async with httpx.AsyncClient() as client:
            reply = await client.post(
                pinned.url, content=b"{}", headers=pinned.headers, extensions=pinned.extensions
            )
    assert reply.status_code == 200
    assert receiver.requests[0].headers["host"] == f"hooks.floorwatch.invalid:{port}"
    assert receiver.requests[0].path == "/hook"


def test_smtp_connects_to_the_pinned_address_and_keeps_the_host_name() -> None:
    with smtp_server() as (box, port):
        client = smtp_client("mail.floorwatch.invalid", port, "127.0.0.1", 5, None)
        with client:
            assert vars(client)["_host"] == "mail.floorwatch.invalid"  # what STARTTLS verifies
            client.sendmail("a@example.com", ["b@example.com"], "Subject: hi\r\n\r\nbody")
    assert len(box.messages) == 1


def test_implicit_tls_is_attempted_on_the_pinned_address() -> None:
    """The name resolves nowhere, so reaching a TLS handshake (which a plain SMTP server then
    fails) shows the pinned address was used for SMTP_SSL too."""
    with smtp_server() as (_, port), pytest.raises(ssl.SSLError):
        smtp_client("mail.floorwatch.invalid", port, "127.0.0.1", 5, ssl.create_default_context())
