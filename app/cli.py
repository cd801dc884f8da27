"""The `floorwatch` command line."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from app.config import EngineKind, get_settings

cli = typer.Typer(no_args_is_help=True, help="Floorwatch: live call-centre KPIs.")
tenant_cli = typer.Typer(no_args_is_help=True, help="Manage tenants.")
key_cli = typer.Typer(no_args_is_help=True, help="Manage API keys.")
cli.add_typer(tenant_cli, name="tenant")
cli.add_typer(key_cli, name="api-key")


def main() -> None:
    cli()


@cli.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    from app.core.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@tenant_cli.command("create")
def tenant_create(
    name: str,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Warsaw")] = "UTC",
) -> None:
    """Create a tenant."""
    from app.core.db import Database
    from app.org.service import create_tenant

    async def run() -> int:
        db = Database(get_settings().database_url)
        try:
            async with db.session() as session:
                tenant = await create_tenant(session, name, timezone)
                await session.commit()
                return tenant.id
        finally:
            await db.close()

    try:
        tenant_id = asyncio.run(run())
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
    from app.core.db import Database
    from app.org.service import get_tenant_by_name

    try:
        scopes = {Scope(s) for s in scope}
    except ValueError as exc:
        raise typer.BadParameter(f"unknown scope in {scope}: use `ingest` or `read`") from exc

    async def run() -> str:
        db = Database(get_settings().database_url)
        try:
            async with db.session() as session:
                row = await get_tenant_by_name(session, tenant)
                if row is None:
                    raise typer.BadParameter(f"no tenant named {tenant!r}")
                _, key = await create_api_key(session, row, name, scopes)
                await session.commit()
                return key
        finally:
            await db.close()

    key = asyncio.run(run())
    typer.echo(f"API key {name!r} for tenant {tenant!r}, scopes {', '.join(sorted(scopes))}:")
    typer.echo(key)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
) -> None:
    """Run the API and the aggregator in one process (either engine)."""
    import uvicorn

    from app.core.migrate import upgrade
    from app.main import create_app

    settings = get_settings()
    if settings.is_sqlite:
        upgrade(settings.database_url)  # zero setup: the embedded database migrates itself
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
    )


@cli.command()
def worker() -> None:
    """Run only the consumer/aggregator (redis engine): partitions are shared among workers."""
    from app.core.logging import configure_logging
    from app.core.services import build_services

    settings = get_settings()
    if settings.engine is not EngineKind.redis:
        raise typer.BadParameter("`floorwatch worker` needs FLOORWATCH_ENGINE=redis")
    configure_logging(settings.log_level, settings.log_json)

    async def run() -> None:
        from app.streams.redis_engine import RedisEngine

        services = build_services(settings, run_worker=True)
        engine = services.engine
        assert isinstance(engine, RedisEngine)
        assert engine.worker is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, engine.worker.stop)
        try:
            await engine.worker.run()
        finally:
            await engine.redis.aclose()
            await services.db.close()

    import uvloop

    uvloop.run(run())


if __name__ == "__main__":
    main()
