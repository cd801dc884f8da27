"""Delivering notifications in the background, one lane per channel.

Evaluation only ever calls `Dispatcher.submit`, which never waits: each channel has its own
bounded queue and task, so a slow or failing channel delays only its own notifications (in
order: a `resolved` never overtakes its `firing`), never evaluation and never another channel.
A full lane drops the notification and records it as `dropped`.

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
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import make_msgid, parsedate_to_datetime
from typing import Any, Literal

import httpx
from sqlalchemy import update

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
from app.alerts.models import AlertDelivery, AlertDeliveryAttempt
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
from app.alerts.sealing import SecretBox, SecretUnavailable
from app.core.db import Database, utcnow
from app.core.logging import get_logger
from app.ops.metrics import observe_alert_delivery

log = get_logger(__name__)

USER_AGENT = "Floorwatch-Alerts/1"
LANE_SIZE = 200
LANE_IDLE_S = 60.0


@dataclass(frozen=True, slots=True)
class Notification:
    """One delivery to make. `settings` are the channel's stored settings, secrets included:
    never log them."""

    delivery_id: int
    tenant_id: int
    channel_id: int
    settings: dict[str, Any]
    alert: AlertOut
    kind: NotificationKind


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


@dataclass(slots=True)
class Lane:
    queue: asyncio.Queue[Notification]
    busy: bool = False


class Dispatcher:
    def __init__(
        self,
        db: Database,
        backoff: Backoff | None = None,
        lane_size: int = LANE_SIZE,
        *,
        private_destinations: bool = False,
        box: SecretBox | None = None,
    ) -> None:
        """`private_destinations`: deliver to non-public addresses too (see destinations.py);
        `box` opens sealed channel secrets (sealing.py), at the last moment, in memory only."""
        self.db = db
        self.private_destinations = private_destinations
        self.box = box or SecretBox([])
        self.backoff = backoff or Backoff()
        self.lane_size = lane_size
        self._lanes: dict[int, Lane] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._closed = False

    # -- submitting ---------------------------------------------------------------------------

    def submit(self, notification: Notification) -> None:
        """Queue a delivery; returns at once. Needs a running event loop."""
        if self._closed:
            self._spawn(self._finish(notification, "dropped", "shutting down"))
            return
        lane = self._lanes.get(notification.channel_id)
        if lane is None:
            lane = Lane(asyncio.Queue(self.lane_size))
            self._lanes[notification.channel_id] = lane
            self._spawn(self._run_lane(notification.channel_id, lane))
        try:
            lane.queue.put_nowait(notification)
        except asyncio.QueueFull:
            log.warning(
                "notification dropped: channel queue full",
                channel_id=notification.channel_id,
                delivery_id=notification.delivery_id,
            )
            self._spawn(
                self._finish(notification, "dropped", "the channel's delivery queue is full")
            )

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_lane(self, channel_id: int, lane: Lane) -> None:
        while True:
            try:
                notification = await asyncio.wait_for(lane.queue.get(), LANE_IDLE_S)
            except TimeoutError:
                if lane.queue.empty():
                    if self._lanes.get(channel_id) is lane:
                        del self._lanes[channel_id]
                    return
                continue
            lane.busy = True
            try:
                await self.deliver(notification)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery crashed", delivery_id=notification.delivery_id)
            finally:
                lane.busy = False

    # -- delivering ---------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # httpx logs every request's full URL at INFO; chat webhook URLs are secrets.
            logging.getLogger("httpx").setLevel(
                max(logging.WARNING, logging.getLogger("httpx").level)
            )
            self._client = httpx.AsyncClient(follow_redirects=False)
        return self._client

    async def attempt(self, notification: Notification, opened: dict[str, Any]) -> Attempt:
        """One attempt with the channel's `opened` settings (secrets in the clear)."""
        settings = parse_settings(opened)
        alert, kind, delivery_id = notification.alert, notification.kind, notification.delivery_id
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

    async def deliver(self, notification: Notification) -> None:
        """Attempt until delivered, failed for good, or out of time; record every attempt."""
        try:
            opened = self.box.open_config(notification.settings)
        except SecretUnavailable as exc:
            await self._finish(notification, "failed", str(exc), 0)
            return
        settings = parse_settings(opened)
        secrets = secrets_of(opened)
        first = time.monotonic()
        deadline = first + settings.give_up_after_s
        number = 0
        await self._record(notification.delivery_id, status="delivering")
        while True:
            number += 1
            started_at, t0 = utcnow(), time.monotonic()
            result = await self.attempt(notification, opened)
            duration_ms = int((time.monotonic() - t0) * 1000)
            error = scrub(result.error, secrets) if result.error else None
            await self._record_attempt(notification, number, started_at, duration_ms, result, error)
            if result.outcome == "ok":
                await self._finish(notification, "delivered", None, number)
                return
            if result.outcome == "fail":
                await self._finish(notification, "failed", error, number)
                return
            delay = (
                result.retry_after_s
                if result.retry_after_s is not None
                else self.backoff.delay(number)
            )
            if time.monotonic() + delay > deadline:
                spent = time.monotonic() - first
                await self._finish(
                    notification,
                    "failed",
                    f"gave up after {number} attempts in {spent:.1f} s "
                    f"(next retry in {delay:g} s would pass the {settings.give_up_after_s:g} s "
                    f"limit); last error: {error}",
                    number,
                )
                return
            await asyncio.sleep(delay)

    # -- recording ----------------------------------------------------------------------------

    async def _record(self, delivery_id: int, **values: Any) -> None:
        try:
            async with self.db.session() as session:
                await session.execute(
                    update(AlertDelivery)
                    .where(AlertDelivery.id == delivery_id)
                    .values(updated_at=utcnow(), **values)
                )
                await session.commit()
        except Exception as exc:
            log.warning("recording a delivery failed", delivery_id=delivery_id, error=str(exc))

    async def _record_attempt(
        self,
        notification: Notification,
        number: int,
        started_at: datetime,
        duration_ms: int,
        result: Attempt,
        error: str | None,
    ) -> None:
        try:
            async with self.db.session() as session:
                session.add(
                    AlertDeliveryAttempt(
                        delivery_id=notification.delivery_id,
                        number=number,
                        started_at=started_at,
                        duration_ms=duration_ms,
                        status_code=result.status_code,
                        outcome=result.outcome,
                        error=error,
                    )
                )
                await session.execute(
                    update(AlertDelivery)
                    .where(AlertDelivery.id == notification.delivery_id)
                    .values(attempts=number, last_error=error, updated_at=utcnow())
                )
                await session.commit()
        except Exception as exc:
            log.warning(
                "recording a delivery attempt failed",
                delivery_id=notification.delivery_id,
                error=str(exc),
            )
        if result.outcome != "ok":
            log.info(
                "delivery attempt failed",
                delivery_id=notification.delivery_id,
                channel_id=notification.channel_id,
                attempt=number,
                outcome=result.outcome,
                status_code=result.status_code,
            )

    async def _finish(
        self,
        notification: Notification,
        status: str,
        error: str | None,
        attempts: int | None = None,
    ) -> None:
        observe_alert_delivery(status)
        values: dict[str, Any] = {"status": status, "finished_at": utcnow()}
        if error is not None:
            values["last_error"] = error[:500]
        if attempts is not None:
            values["attempts"] = attempts
        await self._record(notification.delivery_id, **values)

    # -- lifecycle ----------------------------------------------------------------------------

    def busy(self) -> bool:
        return any(lane.busy or not lane.queue.empty() for lane in self._lanes.values())

    async def idle(self, timeout_s: float) -> bool:
        """Wait until no delivery is queued or in progress; False if that took too long."""
        deadline = time.monotonic() + timeout_s
        while self.busy():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def close(self, grace_s: float = 5.0) -> None:
        """Stop taking work; give queued deliveries `grace_s` to finish, then cancel them (they
        stay `queued`/`delivering` in the history)."""
        self._closed = True
        await self.idle(grace_s)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._lanes.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
