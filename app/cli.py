"""The `floorwatch` command line."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from pydantic import ValidationError

from app.core.config import EngineKind, Settings, describe_settings_error, get_settings
from app.integrations.common import LIVE_MAX_WRAPUP_SECONDS, MAX_WRAPUP_SECONDS

if TYPE_CHECKING:
    from app.core.db import Database

T = TypeVar("T")

cli = typer.Typer(
    no_args_is_help=True, pretty_exceptions_enable=False, help="Floorwatch: live call-centre KPIs."
)
tenant_cli = typer.Typer(no_args_is_help=True, help="Manage tenants.")
key_cli = typer.Typer(no_args_is_help=True, help="Manage API keys.")
cli.add_typer(tenant_cli, name="tenant")
cli.add_typer(key_cli, name="api-key")
reports_cli = typer.Typer(no_args_is_help=True, help="Maintain the KPI report rollups.")
cli.add_typer(reports_cli, name="reports")
user_cli = typer.Typer(no_args_is_help=True, help="Manage users.")
cli.add_typer(user_cli, name="user")
alerts_cli = typer.Typer(no_args_is_help=True, help="Maintain alert history.")
cli.add_typer(alerts_cli, name="alerts")
secrets_cli = typer.Typer(no_args_is_help=True, help="Seal alert channel secrets at rest.")
cli.add_typer(secrets_cli, name="secrets")


def main() -> None:
    try:
        cli()
    except ValidationError as error:
        if error.title != Settings.__name__:
            raise
        typer.echo(describe_settings_error(error), err=True)
        raise SystemExit(2) from None


def with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work` on the configured database, opened for it and closed after, whatever happens."""
    from app.core.db import Database

    async def run() -> T:
        db = Database(get_settings().database_url)
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())


def cli_wrapup_after(wrapup_seconds: int, wrapup_by_queue: bool) -> int | None:
    """`wrapup_after` for the options --wrapup-seconds and --wrapup-by-queue."""
    from app.integrations.common import WrapupChoiceError, wrapup_after

    try:
        return wrapup_after(wrapup_seconds, wrapup_by_queue)
    except WrapupChoiceError as exc:
        raise typer.BadParameter(
            "give either --wrapup-seconds or --wrapup-by-queue, not both"
        ) from exc


@cli.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    from app.core.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@cli.command()
def openapi() -> None:
    """Print the OpenAPI document (what `make frontend-types` turns into TypeScript)."""
    import orjson

    from app.main import create_app

    document = create_app(get_settings()).openapi()
    typer.echo(orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode())


@tenant_cli.command("create")
def tenant_create(
    name: str,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Warsaw")] = "UTC",
) -> None:
    """Create a tenant."""
    from app.org.service import create_tenant

    async def run(db: Database) -> int:
        async with db.session() as session:
            tenant = await create_tenant(session, name, timezone)
            await session.commit()
            return tenant.id

    try:
        tenant_id = with_database(run)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"tenant {name!r} created (id {tenant_id}, time zone {timezone})")


@key_cli.command("create")
def api_key_create(
    tenant: Annotated[str, typer.Option(help="tenant name")],
    name: Annotated[str, typer.Option(help="a label for the key")],
    scope: Annotated[list[str], typer.Option(help="`ingest` and/or `read`; repeatable")],
) -> None:
    """Create an API key. The key is printed once, as the last line; only its hash is stored."""
    from app.auth.keys import Scope, create_api_key
    from app.org.service import get_tenant_by_name

    try:
        scopes = {Scope(s) for s in scope}
    except ValueError as exc:
        raise typer.BadParameter(f"unknown scope in {scope}: use `ingest` or `read`") from exc

    async def run(db: Database) -> str:
        async with db.session() as session:
            row = await get_tenant_by_name(session, tenant)
            if row is None:
                raise typer.BadParameter(f"no tenant named {tenant!r}")
            _, key = await create_api_key(session, row, name, scopes)
            await session.commit()
            return key

    key = with_database(run)
    typer.echo(f"API key {name!r} for tenant {tenant!r}, scopes {', '.join(sorted(scopes))}:")
    typer.echo(key)


@user_cli.command("create")
def user_create(
    tenant: Annotated[str, typer.Option(help="tenant name")],
    username: Annotated[str, typer.Option(help="login name (stored lower-case)")],
    role: Annotated[str, typer.Option(help="admin, supervisor, team_lead, agent or display")],
    team: Annotated[
        list[str] | None, typer.Option(help="a team the user sees (repeatable)")
    ] = None,
    all_teams: Annotated[bool, typer.Option(help="supervisors: see every team")] = False,
    agent: Annotated[str | None, typer.Option(help="agent users: the agent id they are")] = None,
    display_name: Annotated[str, typer.Option(help="the name shown")] = "",
    password_stdin: Annotated[
        bool, typer.Option(help="read the password from the first line of standard input")
    ] = False,
) -> None:
    """Create a user. The password is prompted for (twice) unless --password-stdin is given."""
    import sys

    from app.auth.passwords import WeakPassword, check_password_policy, hash_password
    from app.auth.roles import Role
    from app.auth.users import RoleFields, create_user
    from app.core.errors import FloorwatchError
    from app.org.service import get_tenant_by_name

    try:
        fields = RoleFields(
            role=Role(role), all_teams=all_teams, teams=frozenset(team or ()), agent=agent
        )
    except ValueError as exc:
        raise typer.BadParameter(f"unknown role {role!r}: use {', '.join(Role)}") from exc
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        raise typer.BadParameter("no terminal to ask for the password: use --password-stdin")
    try:
        check_password_policy(password)
    except WeakPassword as exc:
        raise typer.BadParameter(str(exc)) from exc

    async def run(db: Database) -> int:
        async with db.session() as session:
            row = await get_tenant_by_name(session, tenant)
            if row is None:
                raise typer.BadParameter(f"no tenant named {tenant!r}")
            user = await create_user(
                session,
                row.id,
                username=username,
                password_hash=await hash_password(password),
                fields=fields,
                display_name=display_name,
            )
            await session.commit()
            return user.id

    try:
        user_id = with_database(run)
    except FloorwatchError as exc:
        raise typer.BadParameter(exc.message) from exc
    typer.echo(f"user {username.lower()!r} ({role}) created in tenant {tenant!r} (id {user_id})")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    worker: Annotated[
        bool,
        typer.Option(
            help="redis engine: also run a partition worker in this process; with --no-worker "
            "it serves the API only (run `floorwatch worker` processes beside it)"
        ),
    ] = True,
) -> None:
    """Run the API and the aggregator in one process (either engine)."""
    import uvicorn

    from app.core.migrate import upgrade
    from app.core.runtime import tune_gc
    from app.core.server import server_config
    from app.main import create_app

    settings = get_settings()
    if settings.is_sqlite:
        upgrade(settings.database_url)  # zero setup: the embedded database migrates itself
    app = create_app(settings, run_worker=worker)
    tune_gc()
    config = server_config(app, settings, host=host or settings.host, port=port or settings.port)
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        raise typer.Exit(3)  # as uvicorn.run: the server never started (port taken, …)


@cli.command()
def worker() -> None:
    """Run only the consumer/aggregator (redis engine): partitions are shared among workers."""
    from app.core.logging import configure_logging
    from app.wiring import build_services

    settings = get_settings()
    if settings.engine is not EngineKind.redis:
        raise typer.BadParameter("`floorwatch worker` needs FLOORWATCH_ENGINE=redis")
    configure_logging(settings.log_level, settings.log_json)

    async def run() -> None:
        from app.alerts.runtime import AlertRuntime
        from app.core.runtime import tune_gc
        from app.streams.redis_engine import RedisEngine

        services = build_services(settings, run_worker=True)
        tune_gc()
        engine = services.engine
        assert isinstance(engine, RedisEngine)
        assert engine.worker is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, engine.worker.stop)
        from app.report_mail.sender import ReportMailer

        alerts = services.part(AlertRuntime)
        alerts.dispatcher.start()  # sends the outbox, whoever queued it
        mailer = ReportMailer(services)
        mailer.start()  # and the scheduled reports
        try:
            await engine.worker.run()
        finally:
            await mailer.close()
            await alerts.close()
            await engine.redis.aclose()
            await services.db.close()

    import uvloop

    uvloop.run(run())


@cli.command()
def replay(
    file: Annotated[str, typer.Argument(help="the file to replay")],
    format: Annotated[
        str, typer.Option(help="technion|asterisk|connect-agent|connect-ctr|ndjson|crm-csv")
    ],
    url: Annotated[str, typer.Option(help="the server, e.g. http://127.0.0.1:8000")],
    api_key: Annotated[str, typer.Option(help="an API key with the `ingest` scope")],
    speed: Annotated[str, typer.Option(help="`max`, or N for N× real time")] = "max",
    tz: Annotated[
        str, typer.Option(help="time zone of local times in the file (crm-csv: of its dates)")
    ] = "UTC",
    wait: Annotated[
        bool | None,
        typer.Option(
            help="after the last batch, wait until the server's live numbers include every "
            "event sent, and print how long that took (default: on with --speed max)"
        ),
    ] = None,
    wait_timeout: Annotated[
        float, typer.Option(min=0, help="seconds --wait waits at most (then exit code 1)")
    ] = 300.0,
    wrapup_seconds: Annotated[
        int,
        typer.Option(
            min=0,
            max=MAX_WRAPUP_SECONDS,
            help="asterisk: the queues' `wrapuptime`; each end of wrap-up is placed this long "
            "after the call's end (0, Asterisk's default: no wrap-up)",
        ),
    ] = 0,
    wrapup_by_queue: Annotated[
        bool,
        typer.Option(
            help="asterisk: send no end of wrap-up; each queue's wrap-up limit (set it to its "
            "`wrapuptime`) ends it"
        ),
    ] = False,
) -> None:
    """Read FILE, order its events by time and post them in batches; print a summary."""
    from pathlib import Path

    from app.integrations.replay import ReplayFormat, WaitTimedOut, parse_file, wait_applied
    from app.integrations.replay import replay as run_replay

    try:
        fmt = ReplayFormat(format)
    except ValueError as exc:
        raise typer.BadParameter(f"unknown format {format!r}") from exc
    if (wrapup_seconds or wrapup_by_queue) and fmt is not ReplayFormat.asterisk:
        raise typer.BadParameter("--wrapup-seconds and --wrapup-by-queue: --format asterisk only")
    after = cli_wrapup_after(wrapup_seconds, wrapup_by_queue)
    pace = None if speed == "max" else float(speed)
    if pace is not None and pace <= 0:
        raise typer.BadParameter("--speed must be `max` or a number > 0")
    parsed = parse_file(Path(file), fmt, tz, wrapup_seconds=after)
    events = sorted(parsed.events, key=lambda e: e.ms)
    for error in parsed.errors[:20]:
        typer.echo(f"line {error.line_no}: {error.reason}", err=True)
    with typer.progressbar(length=len(events), label="replaying", file=None) as bar:
        summary = asyncio.run(run_replay(events, url, api_key, pace, bar.update))
    typer.echo(
        f"sent {summary.sent}, accepted {summary.accepted}, duplicates {summary.duplicates}, "
        f"rejected {summary.rejected}, malformed lines {len(parsed.errors)}, "
        f"in {summary.seconds:.1f} s"
    )
    for reason, count in sorted(parsed.skipped.items()):
        typer.echo(f"skipped {count}: {reason}")
    for line in summary.rejections[:20]:
        typer.echo(f"rejected {line}", err=True)
    if wait if wait is not None else pace is None:
        try:
            waited = asyncio.run(wait_applied(url, api_key, wait_timeout))
        except WaitTimedOut as exc:
            typer.echo(f"not applied in time: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(
            f"applied by the server {waited:.1f} s after the last batch "
            f"({summary.seconds + waited:.1f} s in all)"
        )


@cli.command()
def simulate(
    url: Annotated[str, typer.Option(help="the server, e.g. http://127.0.0.1:8000")],
    api_key: Annotated[str, typer.Option(help="an API key with the `ingest` scope")],
    teams: Annotated[int, typer.Option(help="number of teams")] = 4,
    agents_per_team: Annotated[int, typer.Option(help="agents in each team")] = 12,
    speed: Annotated[float, typer.Option(help="simulated seconds per wall second")] = 1.0,
    hours: Annotated[
        float | None,
        typer.Option(help="generate this many simulated hours as fast as possible, then stop"),
    ] = None,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same traffic)")] = 1,
    timezone: Annotated[str, typer.Option(help="the simulated centre's time zone")] = "UTC",
    pipeline: Annotated[
        bool,
        typer.Option(help="the sales agents also create, move, win and lose deals"),
    ] = False,
    provision_tenant: Annotated[
        str | None,
        typer.Option(
            help="create the roster's queues, teams and agents for this tenant in the "
            "database of FLOORWATCH_DATABASE_URL first (and, with --transcripts, the demo's "
            "phrase lists if it has none)"
        ),
    ] = None,
    transcripts: Annotated[
        bool,
        typer.Option(
            help="send Polish and English transcript segments of the calls (phrase spotting: "
            "script adherence, banned promises, cancellation signals)"
        ),
    ] = True,
) -> None:
    """Post realistic live traffic (arrivals, abandons, breaks, sales, CSAT, transcript
    segments; with --pipeline also deals through the sales pipeline) to a server."""
    import time
    from datetime import UTC, datetime, timedelta

    from app.integrations.replay import replay as run_replay
    from app.integrations.simulation import SimConfig, Simulator
    from app.integrations.simulation.live import stream_live

    now = datetime.now(UTC)
    start = now - timedelta(hours=hours) if hours else now
    sim = Simulator(
        SimConfig(
            start=start,
            seed=seed,
            teams=teams,
            agents_per_team=agents_per_team,
            time_zone=timezone,
            id_prefix=f"sim{seed}-{int(start.timestamp())}",
            pipeline=pipeline,
            transcripts=transcripts,
        )
    )
    if provision_tenant:
        with_database(lambda db: _provision(db, provision_tenant, sim))

    async def live() -> None:
        async for batch in stream_live(sim, speed, time.time, tick_s=0.25):
            summary = await run_replay(batch, url, api_key)
            typer.echo(
                f"{datetime.now(UTC):%H:%M:%S} sent {summary.sent}, accepted {summary.accepted}"
            )

    if hours:
        events = sim.run_until(int(now.timestamp() * 1000))
        summary = asyncio.run(run_replay(events, url, api_key))
        typer.echo(f"sent {summary.sent}, accepted {summary.accepted}, in {summary.seconds:.1f} s")
        return
    asyncio.run(live())


async def _provision(db: Database, tenant_name: str, sim: object) -> None:
    from app.integrations.provision import provision_roster
    from app.integrations.simulation import Simulator
    from app.integrations.simulation.transcripts import DEMO_PHRASE_LISTS
    from app.org.service import ensure_tenant
    from app.phrases.service import ensure_phrase_lists

    assert isinstance(sim, Simulator)
    async with db.session() as session:
        tenant = await ensure_tenant(session, tenant_name)
        await provision_roster(session, tenant.id, sim.roster())
        if sim.config.transcripts:
            await ensure_phrase_lists(session, tenant.id, DEMO_PHRASE_LISTS)
        await session.commit()


@cli.command("follow-queue-log")
def follow_queue_log_command(
    path: Annotated[
        str, typer.Argument(help="Asterisk's queue_log, e.g. /var/log/asterisk/queue_log")
    ],
    url: Annotated[str, typer.Option(help="the server, e.g. http://127.0.0.1:8000")],
    api_key: Annotated[str, typer.Option(help="an API key with the `ingest` scope")],
    state_file: Annotated[
        str | None, typer.Option(help="where the position is kept (default: beside the log)")
    ] = None,
    from_start: Annotated[
        bool, typer.Option(help="with no saved position, send the whole existing file")
    ] = False,
    wrapup_seconds: Annotated[
        int,
        typer.Option(
            min=0,
            max=LIVE_MAX_WRAPUP_SECONDS,
            help="the queues' `wrapuptime` in queues.conf; each end of wrap-up is placed this "
            "long after the call's end (0, Asterisk's default: no wrap-up)",
        ),
    ] = 0,
    wrapup_by_queue: Annotated[
        bool,
        typer.Option(
            help="send no end of wrap-up; each Floorwatch queue's wrap-up limit (set it to the "
            "queue's `wrapuptime`) ends it on the server's clock: exact live, per queue"
        ),
    ] = False,
) -> None:
    """Follow queue_log like `tail -F` (survives rotation, remembers its position) and post
    new lines in batches."""
    from pathlib import Path

    from app.integrations.follow import follow_queue_log

    after = cli_wrapup_after(wrapup_seconds, wrapup_by_queue)
    from app.integrations.tail import LineBatch

    def report(batch: LineBatch, answer: dict[str, object]) -> None:
        typer.echo(
            f"lines {batch.first_line_no}-{batch.first_line_no + len(batch.lines) - 1}: "
            f"accepted {answer.get('accepted')}, duplicates {answer.get('duplicates')}, "
            f"errors {len(answer.get('errors') or [])}"  # type: ignore[arg-type]
        )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await follow_queue_log(
            Path(path),
            url,
            api_key,
            state_file=Path(state_file) if state_file else None,
            from_start=from_start,
            wrapup_seconds=after,
            stop=stop,
            report=report,
        )

    asyncio.run(run())


@alerts_cli.command("prune")
def alerts_prune(
    days: Annotated[
        int | None,
        typer.Option(min=1, help="keep this many days (default: FLOORWATCH_ALERT_RETENTION_DAYS)"),
    ] = None,
) -> None:
    """Delete alert episodes that ended more than the retention ago (with their history,
    deliveries and attempts), expired silences and the transcript segments of phrase alerts past
    their retention; every process running alerting also does this about once an hour."""
    import app.models  # noqa: F401 - every table, for the foreign keys
    from app.alerts.retention import prune_alert_history
    from app.streams.clock import wall_ms

    settings = get_settings()

    async def run(db: Database) -> tuple[int, int, int]:
        pruned = await prune_alert_history(db, days or settings.alert_retention_days, wall_ms())
        return pruned.alerts, pruned.silences, pruned.segments

    alerts, silences, segments = with_database(run)
    typer.echo(
        f"deleted {alerts} ended alert episodes and {silences} expired silences"
        + (f", and {segments} transcript segments past their retention" if segments else "")
    )


@secrets_cli.command("generate-key")
def secrets_generate_key() -> None:
    """Print a new key for FLOORWATCH_SECRET_KEY (keep it out of the database's backups)."""
    from app.core.sealing import generate_key

    typer.echo(generate_key())


@secrets_cli.command("reseal")
def secrets_reseal() -> None:
    """Seal every alert channel secret and CRM client secret with FLOORWATCH_SECRET_KEY: plain
    ones, and ones sealed with one of FLOORWATCH_PREVIOUS_SECRET_KEYS (`serve` does the same at
    every start)."""
    import app.models  # noqa: F401 - every table, for the foreign keys
    from app.alerts.channel_service import reseal_channels
    from app.core.sealing import SecretBox
    from app.integrations.crm_settings import reseal_crm_secrets

    settings = get_settings()
    if settings.secret_key is None:
        typer.echo("FLOORWATCH_SECRET_KEY is not set: nothing to seal with", err=True)
        raise typer.Exit(2)

    async def run(db: Database) -> int:
        return await reseal_channels(db, SecretBox(settings.secret_keys()))

    async def run_crm(db: Database) -> int:
        return await reseal_crm_secrets(db, SecretBox(settings.secret_keys()))

    typer.echo(f"sealed the secrets of {with_database(run)} channels")
    typer.echo(f"sealed {with_database(run_crm)} CRM client secrets")


@reports_cli.command("rebuild")
def reports_rebuild(
    tenant: Annotated[str, typer.Option(help="tenant name")],
    since: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="first local day (YYYY-MM-DD) to rebuild; default: the oldest day whose facts "
            "are all kept (FLOORWATCH_FACT_RETENTION_DAYS), or everything when none were pruned",
        ),
    ] = None,
) -> None:
    """Recompute a tenant's report rollups from its facts (after restoring facts from a
    backup, after changing the tenant's time zone, or for facts older than the rollups). Days
    whose facts the retention deleted keep their rollups and cannot be rebuilt."""
    import app.models  # noqa: F401 - every table, for the foreign keys
    from app.facts.rebuild import RebuildRefused, rebuild_tenant
    from app.streams.clock import wall_ms

    settings = get_settings()

    async def run(db: Database) -> str:
        return await rebuild_tenant(
            db, tenant, since, settings.fact_retention_days or None, wall_ms()
        )

    try:
        typer.echo(with_database(run))
    except RebuildRefused as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@reports_cli.command("prune")
def reports_prune(
    days: Annotated[
        int | None,
        typer.Option(min=1, help="keep this many days (default: FLOORWATCH_FACT_RETENTION_DAYS)"),
    ] = None,
) -> None:
    """Delete report facts older than the retention (the rollups stay); every process running
    alerting also does this about once an hour."""
    import app.models  # noqa: F401 - every table, for the foreign keys
    from app.facts.retention import prune_facts
    from app.streams.clock import wall_ms
    from app.wiring import FACT_DERIVED

    settings = get_settings()
    keep = days or settings.fact_retention_days
    if not keep:
        typer.echo("FLOORWATCH_FACT_RETENTION_DAYS is 0 (keep for ever): give --days", err=True)
        raise typer.Exit(2)

    async def run(db: Database) -> tuple[int, int]:
        pruned = await prune_facts(db, keep, wall_ms(), derived=FACT_DERIVED)
        return pruned.facts, pruned.settled

    facts, settled = with_database(run)
    typer.echo(
        f"deleted {facts} report facts older than {keep} days "
        f"(outcomes of {settled} shifts stored first)"
    )


if __name__ == "__main__":
    main()
