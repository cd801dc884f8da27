"""Delivering notifications in the background, from the outbox in the database.

Evaluation writes a delivery row in the transaction of the alert's transition and wakes the
sender; it never waits for a send. The sender (`Dispatcher`) claims due rows (outbox.py), at
most one per channel at a time, so a slow or failing channel delays only its own
notifications (in order: a `resolved` never overtakes its `firing`), never evaluation and never
another channel. A row outlives its process: whichever process sends next picks it up.

Each attempt is recorded. HTTP channels retry on 5xx, 408, 429, timeouts and connection
errors with exponential backoff, waiting what `Retry-After` asks for when it is sent; e-mail
retries on 4xx SMTP replies and connection errors. A delivery gives up when the next attempt
would start later than the channel's `give_up_after_s` after the first, and is recorded as
`failed` with the reason. Secrets never reach a log line or a recorded error.

Unless the operator allows private destinations, every attempt connects only to a public
address it has vetted itself (app/alerts/destinations.py); a refused destination fails the
delivery at once, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import smtplib
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid, parsedate_to_datetime
from typing import Any, Literal

import httpx

from app.alerts.channels import (
    EmailSettings,
    SlackSettings,
    TeamsSettings,
    WebhookSettings,
    parse_settings,
    scrub,
    secrets_of,
)
from app.alerts.destinations import (
    DestinationRefused,
    pin_http,
    resolve_public_blocking,
    smtp_client,
)
from app.alerts.outbox import (
    Job,
    Unsendable,
    begin_attempt,
    claim_due,
    end_attempt,
    fail_unattempted,
    release,
    unfinished,
)
from app.alerts.payloads import (
    SIGNATURE_HEADER,
    NotificationKind,
    email_message,
    sign,
    slack_body,
    status_of,
    teams_body,
    webhook_body,
)
from app.alerts.schemas import AlertOut
from app.core.db import Database
from app.core.logging import get_logger
from app.core.sealing import SecretBox
from app.core.telemetry import observe_alert_delivery
from app.streams.clock import wall_ms

log = get_logger(__name__)

USER_AGENT = "Floorwatch-Alerts/1"
POLL_S = 1.0
"""How often the outbox is read when nothing wakes the sender (rows of a process that died,
retries of another process's deliveries)."""
MAX_IN_FLIGHT = 16


@dataclass(frozen=True, slots=True)
class Attempt:
    outcome: Literal["ok", "retry", "fail"]
    status_code: int | None = None
    error: str | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class Backoff:
    initial_s: float = 1.0
    factor: float = 2.0
    max_s: float = 60.0

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based)."""
        return min(self.max_s, self.initial_s * self.factor ** (attempt - 1))


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_response(response: httpx.Response) -> Attempt:
    code = response.status_code
    if 200 <= code < 300:
        return Attempt("ok", code)
    if code in (408, 429) or code >= 500:
        return Attempt(
            "retry", code, f"HTTP {code}", retry_after_s(response.headers.get("retry-after"))
        )
    if 300 <= code < 400:
        return Attempt("fail", code, f"HTTP {code}: redirects are not followed")
    return Attempt("fail", code, f"HTTP {code}")


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    private_ok: bool,
) -> Attempt:
    """POST `body`; unless `private_ok`, only to a public address vetted here."""
    target: httpx.URL | str = url
    extensions: dict[str, Any] = {}
    if not private_ok:
        try:
            pinned = await pin_http(url)
        except DestinationRefused as exc:
            return Attempt("fail", error=str(exc))
        except OSError as exc:
            return Attempt("retry", error=f"could not resolve the host: {exc}")
        target, extensions = pinned.url, pinned.extensions
        headers = {**headers, **pinned.headers}
    try:
        response = await client.post(
            target,
            content=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            timeout=timeout_s,
            extensions=extensions,
        )
    except httpx.TimeoutException:
        return Attempt("retry", error=f"no response within {timeout_s:g} s")
    except httpx.TransportError as exc:
        return Attempt("retry", error=f"connection failed: {type(exc).__name__}: {exc}")
    return classify_response(response)


def _send_mail_blocking(
    settings: EmailSettings,
    alert: AlertOut,
    kind: NotificationKind,
    delivery_id: int,
    private_ok: bool,
) -> Attempt:
    message = email_message(alert, kind, settings.from_address, settings.to)
    message["Message-ID"] = make_msgid(idstring=f"delivery-{delivery_id}", domain="floorwatch")
    return send_mail_blocking(settings, message, private_ok)


def send_mail_blocking(settings: EmailSettings, message: EmailMessage, private_ok: bool) -> Attempt:
    """Send `message` through the e-mail channel's SMTP server (security, login, the vetted
    address unless private destinations are allowed): the one SMTP path of alerts and of the
    scheduled reports (app/report_mail)."""
    context = ssl.create_default_context()
    try:
        address = (
            None if private_ok else resolve_public_blocking(settings.smtp_host, settings.smtp_port)
        )
    except DestinationRefused as exc:
        return Attempt("fail", error=str(exc))
    except OSError as exc:
        return Attempt("retry", error=f"could not resolve the host: {exc}")
    try:
        tls = context if settings.security == "tls" else None
        smtp = smtp_client(settings.smtp_host, settings.smtp_port, address, settings.timeout_s, tls)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        outcome: Literal["retry", "fail"] = "retry" if 400 <= exc.smtp_code < 500 else "fail"
        return Attempt(outcome, exc.smtp_code, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}")
    except smtplib.SMTPRecipientsRefused as exc:
        return Attempt("fail", error=f"recipients refused: {sorted(exc.recipients)}")
    except (smtplib.SMTPException, OSError) as exc:
        return Attempt("retry", error=f"{type(exc).__name__}: {exc}")
    return Attempt("ok", 250)


class Dispatcher:
    """Sends what the outbox holds (app/alerts/outbox.py), in whichever process runs it.

    A loop claims due deliveries (at most one per channel at a time in this process, and at
    most `max_in_flight` in all) and makes one attempt of each in a task of its own; a retry
    goes back to the outbox with its next time, so waiting for it holds nothing here."""

    def __init__(
        self,
        db: Database,
        backoff: Backoff | None = None,
        *,
        private_destinations: bool = False,
        box: SecretBox | None = None,
        poll_s: float = POLL_S,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        """`private_destinations`: deliver to non-public addresses too (see destinations.py);
        `box` opens sealed channel secrets (sealing.py), at the last moment, in memory only;
        `poll_s`: how often the outbox is read when nothing wakes the sender."""
        self.db = db
        self.private_destinations = private_destinations
        self.box = box or SecretBox([])
        self.backoff = backoff or Backoff()
        self.poll_s = poll_s
        self.max_in_flight = max_in_flight
        self.sender = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._attempting: set[int] = set()
        self._channels: set[int] = set()
        self._client: httpx.AsyncClient | None = None
        self._closed = False

    # -- running ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start sending (needs a running event loop); idempotent."""
        if self._runner is None and not self._closed:
            self._runner = asyncio.get_running_loop().create_task(
                self._run(), name="alert-delivery"
            )

    def wake(self) -> None:
        """Look for due deliveries now (the evaluator just committed some)."""
        self.start()
        self._wake.set()

    async def _run(self) -> None:
        # `while not self._closed`, not `while True`: on Python 3.11 `asyncio.wait_for` loses a
        # cancellation that arrives as the awaited event is set (an attempt finishing sets
        # `_wake`), and `close` then waited for this loop for ever
        while not self._closed:
            try:
                claimed = await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be down for a while
                log.warning("reading the delivery outbox failed", error=f"{type(exc).__name__}")
                claimed = 0
            if claimed and len(self._in_flight) < self.max_in_flight:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):
                    await self._wake.wait()
            self._wake.clear()

    async def send_due(self) -> int:
        """Claim what is due and start an attempt of each; the number claimed."""
        room = self.max_in_flight - len(self._in_flight)
        if room <= 0:
            return 0
        claimed = await claim_due(self.db, self.sender, wall_ms(), room, set(self._channels))
        loop = asyncio.get_running_loop()
        for item in claimed:
            if item.channel_id is not None:
                self._channels.add(item.channel_id)
            task = loop.create_task(self._send(item.delivery_id, item.channel_id))
            self._in_flight[item.delivery_id] = task
        return len(claimed)

    async def _send(self, delivery_id: int, channel_id: int | None) -> None:
        try:
            await self.deliver(delivery_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the claim expires and another round tries again
            log.warning(
                "delivery attempt not completed", delivery_id=delivery_id, error=type(exc).__name__
            )
        finally:
            self._in_flight.pop(delivery_id, None)
            self._attempting.discard(delivery_id)
            if channel_id is not None:
                self._channels.discard(channel_id)
            self._wake.set()

    # -- delivering ---------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # httpx logs every request's full URL at INFO; chat webhook URLs are secrets.
            logging.getLogger("httpx").setLevel(
                max(logging.WARNING, logging.getLogger("httpx").level)
            )
            self._client = httpx.AsyncClient(follow_redirects=False)
        return self._client

    async def attempt(self, job: Job, opened: dict[str, Any]) -> Attempt:
        """One attempt with the channel's `opened` settings (secrets in the clear)."""
        settings = parse_settings(opened)
        alert, kind, delivery_id = job.alert, job.kind, job.delivery_id
        if isinstance(settings, EmailSettings):
            return await asyncio.to_thread(
                _send_mail_blocking, settings, alert, kind, delivery_id, self.private_destinations
            )
        headers: dict[str, str] = {}
        if isinstance(settings, WebhookSettings):
            body = webhook_body(alert, kind, delivery_id)
            headers = {
                "X-Floorwatch-Delivery": str(delivery_id),
                "X-Floorwatch-Event": status_of(kind),
            }
            if settings.secret:
                headers[SIGNATURE_HEADER] = sign(settings.secret, body)
        elif isinstance(settings, SlackSettings):
            body = slack_body(alert, kind)
        else:
            assert isinstance(settings, TeamsSettings)
            body = teams_body(alert, kind)
        return await post_json(
            self._http(),
            settings.url,
            body,
            headers,
            settings.timeout_s,
            self.private_destinations,
        )

    async def deliver(self, delivery_id: int) -> None:
        """One attempt of a delivery this sender claimed, recorded before and after; then the
        delivery is delivered, failed for good, or back in the outbox for its next attempt."""
        job = await begin_attempt(self.db, delivery_id, self.sender, wall_ms(), self.box)
        if job is None:
            return
        self._attempting.add(delivery_id)
        if isinstance(job, Unsendable):
            await fail_unattempted(self.db, delivery_id, self.sender, job.reason)
            observe_alert_delivery("failed")
            return
        opened = job.settings
        settings = parse_settings(opened)
        t0 = time.monotonic()
        result = await self.attempt(job, opened)
        duration_ms = int((time.monotonic() - t0) * 1000)
        error = scrub(result.error, secrets_of(opened)) if result.error else None
        result = Attempt(result.outcome, result.status_code, error, result.retry_after_s)
        if result.outcome == "ok":
            await self._end(job, result, duration_ms, "delivered", None, 0)
            return
        if result.outcome == "fail":
            await self._end(job, result, duration_ms, "failed", error, 0)
            return
        delay = (
            result.retry_after_s
            if result.retry_after_s is not None
            else self.backoff.delay(job.number)
        )
        now = wall_ms()
        if now + delay * 1000 > job.first_attempt_ms + settings.give_up_after_s * 1000:
            spent = (now - job.first_attempt_ms) / 1000
            reason = (
                f"gave up after {job.number} attempts in {spent:.1f} s "
                f"(next retry in {delay:g} s would pass the {settings.give_up_after_s:g} s "
                f"limit); last error: {error}"
            )
            await self._end(job, result, duration_ms, "failed", reason, 0)
            return
        await self._end(job, result, duration_ms, "queued", error, now + int(delay * 1000))
        if not self._closed:
            asyncio.get_running_loop().call_later(delay, self._wake.set)

    async def _end(
        self,
        job: Job,
        result: Attempt,
        duration_ms: int,
        status: Literal["queued", "delivered", "failed"],
        last_error: str | None,
        next_attempt_ms: int,
    ) -> None:
        held = await end_attempt(
            self.db,
            job,
            self.sender,
            outcome=result.outcome,
            status_code=result.status_code,
            error=result.error,
            duration_ms=duration_ms,
            status=status,
            last_error=last_error,
            next_attempt_ms=next_attempt_ms,
        )
        if not held:
            log.warning(
                "a delivery's claim expired during its attempt", delivery_id=job.delivery_id
            )
        if status != "queued":
            observe_alert_delivery(status)
        if result.outcome != "ok":
            log.info(
                "delivery attempt failed",
                delivery_id=job.delivery_id,
                channel_id=job.channel_id,
                attempt=job.number,
                outcome=result.outcome,
                status_code=result.status_code,
            )

    # -- lifecycle ----------------------------------------------------------------------------

    def busy(self) -> bool:
        return bool(self._in_flight)

    async def idle(self, timeout_s: float, tenant_id: int | None = None) -> bool:
        """Wait until no delivery (of `tenant_id`, or of anyone) is unfinished in the database
        and none is being attempted here; False if that took too long."""
        deadline = time.monotonic() + timeout_s
        while self.busy() or await unfinished(self.db, tenant_id):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def close(self, grace_s: float = 5.0) -> None:
        """Stop claiming; give attempts under way `grace_s` to finish, then cancel them. What
        is left stays in the outbox for the next process: claims not yet attempted are given
        back at once, an attempt cut short is made again once its claim expires."""
        self._closed = True
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        tasks = list(self._in_flight.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace_s)
        unstarted = [d for d in self._in_flight if d not in self._attempting]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):  # else the claims expire by themselves
            await release(self.db, unstarted, self.sender)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
