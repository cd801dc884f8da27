"""Sending scheduled reports, exactly once per period across API processes.

Every process runs `ReportMailer`, which every CHECK_EVERY_S asks `send_due`: for each
schedule whose moment in the current period (the day, or the ISO week) has come and whose
`last_period` is not that period, it claims the schedule with one conditional update (it
succeeds for one process only: nobody holds an unexpired claim and the period is not yet
recorded), builds the report of the day or week before in the tenant's time zone, sends it
with the CSV attached through the schedule's e-mail channel (the alerts' SMTP path), and
records the period. A failed send keeps the period open and says why (`last_error`); the next
round tries again. A process that dies between the SMTP server's acceptance and the record
leaves its claim to expire (CLAIM_MS) and the report may go out twice: at least once, and
once in every other case.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update

from app.alerts.channels import EmailSettings, parse_settings
from app.alerts.delivery import send_mail_blocking
from app.alerts.models import AlertChannel
from app.alerts.sealing import open_config
from app.auth.policy import Access
from app.core.logging import get_logger
from app.facts.calendar import Period
from app.kpi.rows import Filters, GroupBy
from app.report_mail.models import ReportSchedule
from app.reports.render import report_csv
from app.reports.service import build_report
from app.services import Services
from app.tenancy.models import Team, Tenant

log = get_logger(__name__)

CHECK_EVERY_S = 60.0
CLAIM_MS = 300_000
"""Longer than building a report and one SMTP attempt may take."""


@dataclass(frozen=True, slots=True)
class Due:
    key: str
    first: date
    last: date


def due_period(frequency: str, weekday: int | None, hour: int, now: datetime) -> Due | None:
    """The period whose report is due at local time `now`, or None before its moment: a daily
    schedule sends yesterday's from `hour` on; a weekly one last week's (Monday to Sunday) from
    `weekday` at `hour` on."""
    today = now.date()
    if frequency == "daily":
        if now.hour < hour:
            return None
        yesterday = today - timedelta(days=1)
        return Due(today.isoformat(), yesterday, yesterday)
    if (today.weekday(), now.hour) < (weekday or 0, hour):
        return None
    monday = today - timedelta(days=today.weekday())
    year, week, _ = today.isocalendar()
    return Due(f"{year}-W{week:02}", monday - timedelta(days=7), monday - timedelta(days=1))


TEXTS = {
    "en": ("Floorwatch report: {name} ({first} – {last})",
           "The report \"{name}\" for {first} – {last} is attached (CSV, one row per day).\n"),
    "pl": ("Raport Floorwatch: {name} ({first} – {last})",
           "W załączniku raport „{name}” za {first} – {last} (CSV, wiersz na dzień).\n"),
}  # fmt: skip


async def _claim(services: Services, row_id: int, key: str, owner: str, now_ms: int) -> bool:
    async with services.db.session() as session:
        result = await session.execute(
            update(ReportSchedule)
            .where(
                ReportSchedule.id == row_id,
                or_(ReportSchedule.last_period.is_(None), ReportSchedule.last_period != key),
                or_(
                    ReportSchedule.claimed_until_ms.is_(None),
                    ReportSchedule.claimed_until_ms < now_ms,
                ),
            )
            .values(claimed_by=owner, claimed_until_ms=now_ms + CLAIM_MS)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        return bool(getattr(result, "rowcount", 0) == 1)


async def _finish(
    services: Services, row_id: int, owner: str, key: str | None, error: str | None
) -> None:
    values: dict[str, object] = {"claimed_by": None, "claimed_until_ms": None, "last_error": error}
    if key is not None:
        values.update(last_period=key, last_sent_at=datetime.now(UTC))
    async with services.db.session() as session:
        await session.execute(
            update(ReportSchedule)
            .where(ReportSchedule.id == row_id, ReportSchedule.claimed_by == owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def _message(
    services: Services, row: ReportSchedule, team: str | None, due: Due, language: str
) -> tuple[EmailSettings, EmailMessage]:
    access = Access(all_teams=False, teams=frozenset({team})) if team else Access.everything()
    async with services.db.session() as session:
        report = await build_report(
            services, session, row.tenant_id, access, GroupBy(row.group_by), Period.day,
            due.first, due.last, Filters(team=team),
        )  # fmt: skip
        channel = await session.get(AlertChannel, row.channel_id)
        assert channel is not None  # the schedule is deleted with its channel
        opened = open_config(services.box, dict(channel.config))
    settings = parse_settings(opened)
    if not isinstance(settings, EmailSettings):
        raise ValueError(f"channel {row.channel_id} is not an e-mail channel")
    settings = settings.model_copy(update={"to": list(row.recipients)})
    subject, body = TEXTS.get(language, TEXTS["en"])
    fill = {"name": row.name, "first": due.first.isoformat(), "last": due.last.isoformat()}
    message = EmailMessage()
    message["Subject"] = subject.format(**fill)
    message["From"] = settings.from_address
    message["To"] = ", ".join(settings.to)
    message["Message-ID"] = make_msgid(idstring=f"report-{row.id}-{due.key}", domain="floorwatch")
    message.set_content(body.format(**fill))
    filename = f"kpi_{row.group_by}_day_{due.first}_{due.last}.csv"
    message.add_attachment(
        report_csv(report).encode("utf-8"), maintype="text", subtype="csv", filename=filename
    )
    return settings, message


async def send_due(services: Services, owner: str, now: datetime | None = None) -> int:
    """Send every report due now that no other process has sent or is sending; the number
    this call sent."""
    now = now or datetime.now(UTC)
    now_ms = int(now.timestamp() * 1000)
    async with services.db.session() as session:
        rows = (
            await session.execute(
                select(ReportSchedule, Team.name, Tenant.timezone, Tenant.language)
                .join(Tenant, Tenant.id == ReportSchedule.tenant_id)
                .outerjoin(Team, Team.id == ReportSchedule.team_id)
                .order_by(ReportSchedule.id)
            )
        ).all()
    sent = 0
    for row, team, timezone, language in rows:
        due = due_period(row.frequency, row.weekday, row.hour, now.astimezone(ZoneInfo(timezone)))
        if due is None or row.last_period == due.key:
            continue
        if not await _claim(services, row.id, due.key, owner, now_ms):
            continue
        try:
            settings, message = await _message(services, row, team, due, language)
            attempt = await asyncio.to_thread(
                send_mail_blocking, settings, message, services.settings.alert_private_destinations
            )
        except Exception as exc:  # a report that cannot be built must not stop the others
            await _finish(services, row.id, owner, None, f"{type(exc).__name__}: {exc}"[:500])
            log.warning("scheduled report not sent", schedule=row.id, error=type(exc).__name__)
            continue
        if attempt.outcome == "ok":
            await _finish(services, row.id, owner, due.key, None)
            sent += 1
        else:
            await _finish(services, row.id, owner, None, (attempt.error or "not sent")[:500])
            log.warning("scheduled report not sent", schedule=row.id, error=attempt.error)
    return sent


class ReportMailer:
    """The loop of one process (started and closed by the lifespan)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.owner = f"{uuid.uuid4().hex[:12]}"
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="report-mailer")

    async def _loop(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await send_due(self.services, self.owner)
            except Exception as exc:  # the database out of reach: try again next round
                log.warning("scheduled reports not checked", error=f"{type(exc).__name__}")
            await asyncio.sleep(max(1.0, CHECK_EVERY_S - (time.monotonic() - started)))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
