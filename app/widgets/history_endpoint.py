"""`GET /v1/metrics/history`: the server's recent samples of one live series (app/widgets/
trends.py), so that a chart opened now draws the last hour at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from app.auth.deps import WallPrincipal
from app.core.errors import BadRequest, Forbidden
from app.dashboards.schemas import check_metric
from app.dashboards.topics import METRIC_WINDOWS
from app.metrics.endpoints import checked_scope, refuse_hidden_scopes
from app.services import ServicesDep
from app.widgets.hub import Hub
from app.widgets.trends import KEEP_MS

router = APIRouter(prefix="/v1/metrics", tags=["metrics"])


class MetricHistory(BaseModel):
    scope: str
    window: str
    metric: str
    points: list[tuple[int, float | int | None]] = Field(
        description="[epoch ms, value] pairs, oldest first: the live value at each sample "
        "(every FLOORWATCH_TREND_SAMPLE_S); null where a denominator was zero"
    )


@router.get(
    "/history",
    summary="The recent samples of one live metric, for charts",
    description="What the live aggregator answered for `metric` of `scope` and `window`, "
    "sampled by this server process for every series on a dashboard chart (and for any series "
    "asked for here, from the first ask on), for up to the last 65 minutes. A scope the caller "
    "may not see is refused with 403; a display link reads only the series its dashboard's "
    "charts show (metric, scope and window of a chart widget; 403 for any other). See "
    "docs/wall.md.",
)
async def get_metric_history(
    request: Request,
    principal: WallPrincipal,
    services: ServicesDep,
    metric: Annotated[str, Query(description="a metric of docs/metrics.md")],
    scope: Annotated[str, Query(description="`tenant`, `queue:NAME`, `team:NAME`, `agent:ID`")],
    window: Annotated[str, Query(description="one of " + ", ".join(METRIC_WINDOWS))] = "15m",
    minutes: Annotated[int, Query(ge=1, le=KEEP_MS // 60_000)] = 60,
) -> MetricHistory:
    scope = checked_scope(scope)
    if window not in METRIC_WINDOWS:
        raise BadRequest(
            f"invalid window {window!r}: expected one of {', '.join(METRIC_WINDOWS)}",
            details=[{"field": "window", "reason": "unknown window"}],
        )
    try:
        check_metric(metric)  # what a chart may show, `agents_break:REASON` included
    except ValueError as exc:
        raise BadRequest(
            str(exc), details=[{"field": "metric", "reason": "unknown metric"}]
        ) from exc
    await refuse_hidden_scopes(principal, services, [scope])
    hub: Hub = request.app.state.hub
    if principal.is_display:
        wall = await hub.display_grants.topics(principal)
        if not wall.allows_history(metric, scope, window):
            raise Forbidden(
                f"{principal.describe()} reads the history only of the series its dashboard's "
                "charts show"
            )
    recorder = hub.trends
    # the aggregator's now (event time under `clock=event`), which the samples are stamped with
    latest = await services.engine.live(principal.tenant_id, [(scope, window)])
    now_ms = latest.at_ms if latest else 0
    since_ms = now_ms - minutes * 60_000
    points = recorder.history(principal.tenant_id, (scope, window, metric), since_ms)
    return MetricHistory(scope=scope, window=window, metric=metric, points=points)
