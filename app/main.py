"""`create_app()` and the lifespan that opens and closes every client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.alerts.runtime import AlertRuntime
from app.core.body_limit import BodySizeLimit
from app.core.config import Settings, get_settings
from app.core.error_handlers import install_error_handlers
from app.core.input_errors import install_input_error_handlers
from app.core.logging import configure_logging, get_logger
from app.core.security_headers import SecurityHeaders
from app.org.service import DEFAULT_TENANT, ensure_tenant
from app.report_mail.sender import ReportMailer
from app.services import Services
from app.widgets.hub import Hub
from app.wiring import build_services

log = get_logger(__name__)

BULK_INPUT_PATHS = ("/v1/events", "/v1/integrations", "/v1/shifts/import")
"""Routes whose bodies may reach `max_body_bytes`; every other one stops at
`max_request_body_bytes`."""


async def _prepare(services: Services) -> None:
    if services.settings.create_default_tenant:
        async with services.db.session() as session:
            await ensure_tenant(session, DEFAULT_TENANT)
            await session.commit()
    await _seal_crm_secrets(services)


async def _seal_crm_secrets(services: Services) -> None:
    """CRM client secrets are sealed like alert channel secrets at every start; a database
    out of reach is logged, not fatal (the next start tries again)."""
    from app.integrations.crm_settings import reseal_crm_secrets

    try:
        sealed = await reseal_crm_secrets(services.db, services.box)
    except Exception as exc:
        log.warning("CRM secrets not checked", error=f"{type(exc).__name__}: {exc}")
        return
    if sealed:
        log.info("CRM client secrets sealed with the current key", secrets=sealed)


def create_app(settings: Settings | None = None, *, run_worker: bool = True) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, run_worker=run_worker)
        app.state.services = services
        alerts = services.part(AlertRuntime)
        hub = app.state.hub = Hub(services)
        mailer = ReportMailer(services)
        demo: asyncio.Task[None] | None = None
        try:
            await _prepare(services)
            await services.engine.start()
            await alerts.start()
            await hub.start()
            if alerts.sends:  # the processes that send notifications send reports too
                mailer.start()
            if settings.demo:
                from app.dashboards.demo import ensure_demo_user
                from app.integrations.demo import run_demo

                await ensure_demo_user(services)
                demo = asyncio.create_task(run_demo(services), name="demo-traffic")
            log.info("floorwatch started", engine=settings.engine.value, clock=settings.clock.value)
            yield
        finally:
            if demo is not None:
                demo.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await demo
            await mailer.close()
            await hub.close()
            await services.engine.close()
            await alerts.close()
            await services.db.close()
            log.info("floorwatch stopped")

    app = FastAPI(
        title="Floorwatch",
        version="0.1.0",
        summary="Real-time monitoring for call centres and sales floors.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_input_error_handlers(app)
    app.add_middleware(
        BodySizeLimit,
        default=settings.max_request_body_bytes,
        larger=dict.fromkeys(BULK_INPUT_PATHS, settings.max_body_bytes),
    )
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)

    from app.ops.requests import RequestContext

    app.add_middleware(RequestContext)  # outermost: its id and timing cover everything

    from app.alerts.endpoints import router as alerts_router
    from app.auth.admin_endpoints import keys_router, users_router
    from app.auth.endpoints import router as auth_router
    from app.health import router as health_router
    from app.ingest.endpoints import router as events_router
    from app.integrations.endpoints import router as integrations_router
    from app.metrics.endpoints import router as metrics_router
    from app.org.endpoints import agents_router, queues_router, teams_router, tenant_router
    from app.widgets.endpoints import router as widgets_router

    app.include_router(health_router)

    from app.ops.endpoints import router as ops_router

    app.include_router(ops_router)
    app.include_router(events_router)
    app.include_router(metrics_router)
    app.include_router(widgets_router)
    for router in (
        auth_router,
        users_router,
        tenant_router,
        teams_router,
        agents_router,
        queues_router,
    ):
        app.include_router(router)
    app.include_router(keys_router)
    app.include_router(integrations_router)

    from app.integrations.crm_endpoints import router as crm_router

    app.include_router(crm_router)
    app.include_router(alerts_router)

    from app.coaching.endpoints import router as coaching_router
    from app.phrases.endpoints import router as phrases_router
    from app.phrases.hits import router as phrase_hits_router
    from app.phrases.settings import router as phrase_settings_router
    from app.plans.endpoints import router as plans_router
    from app.reports.endpoints import router as reports_router
    from app.shifts.endpoints import router as shifts_router

    for router in (
        reports_router,
        shifts_router,
        plans_router,
        coaching_router,
        phrases_router,
        phrase_hits_router,
        phrase_settings_router,
    ):
        app.include_router(router)

    from app.pipeline.endpoints import router as pipeline_router

    app.include_router(pipeline_router)
    from app.callbacks.endpoints import router as callbacks_router

    app.include_router(callbacks_router)

    from app.dashboards.endpoints import links_router as display_links_router
    from app.dashboards.endpoints import router as dashboards_router
    from app.frontend import mount_frontend

    app.include_router(dashboards_router)
    app.include_router(display_links_router)
    from app.messages.endpoints import router as messages_router

    app.include_router(messages_router)
    from app.report_mail.endpoints import router as report_schedules_router

    app.include_router(report_schedules_router)
    mount_frontend(app)  # last: it serves every path no router claimed
    return app
