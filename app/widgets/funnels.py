"""The values of the `funnel:` topics: a pipeline's funnel (or a team's part of it) over today,
this week or this month, from the funnel report's facts (app/reports/funnel.py).

A funnel is a database query, not a live-state read, so each topic is computed at most every
REFRESH_S seconds while someone subscribes (the hub asks every round; in between it gets the
value it had). The period follows the tenant's clock and time zone, as the reports' `today` does.
A database that cannot be read keeps the funnels at their last value (empty if none): the rest
of the tenant's live topics come from the engine and must not go dark with it.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Final

from app.core.logging import get_logger
from app.dashboards.topics import Topic
from app.facts.calendar import Period, ReportCalendar, local_date, zone
from app.facts.scoping import live_now, tenant_zone
from app.reports.funnel import build_funnel, flow_order, pipeline_facts
from app.services import Services
from app.widgets.live import State

log = get_logger(__name__)

REFRESH_S: Final = 5.0
FORGET_S: Final = 120.0
"""A value nobody asked for this long is dropped (its topic is gone)."""
PERIODS: Final = {"today": Period.day, "week": Period.week, "month": Period.month}


class FunnelFeed:
    def __init__(self, services: Services, refresh_s: float = REFRESH_S) -> None:
        self.services = services
        self.refresh_s = refresh_s
        self._values: dict[tuple[int, str], tuple[float, int, State]] = {}

    async def states(self, tenant_id: int, topics: list[Topic]) -> dict[str, tuple[int, State]]:
        """(time of the value, value) of each funnel topic: cached when younger than
        `refresh_s`, else computed now (all of a tenant's in one database session)."""
        now = time.monotonic()
        for key, (made, _, _) in list(self._values.items()):
            if now - made > FORGET_S:
                del self._values[key]
        out: dict[str, tuple[int, State]] = {}
        due: list[Topic] = []
        for topic in topics:
            hit = self._values.get((tenant_id, topic.name))
            if hit is not None and now - hit[0] < self.refresh_s:
                out[topic.name] = (hit[1], hit[2])
            else:
                due.append(topic)
        if not due:
            return out
        try:
            out |= await self._compute(tenant_id, due)
        except Exception as exc:  # the funnels wait for the database; the wall does not
            log.warning("funnels not read", tenant=tenant_id, error=f"{type(exc).__name__}: {exc}")
            for topic in due:
                hit = self._values.get((tenant_id, topic.name))
                out[topic.name] = (hit[1], hit[2]) if hit is not None else (0, {})
        return out

    async def _compute(self, tenant_id: int, due: list[Topic]) -> dict[str, tuple[int, State]]:
        out: dict[str, tuple[int, State]] = {}
        clock_ms, _ = await live_now(self.services, tenant_id)
        async with self.services.db.session() as session:
            tz_name = await tenant_zone(session, tenant_id)
            today = local_date(clock_ms, zone(tz_name))
            for topic in due:
                assert topic.window is not None
                assert topic.pipeline is not None
                cal = ReportCalendar(tz_name, PERIODS[topic.window], today, today)
                team = topic.scope_name if topic.scope_kind == "team" else None
                facts = await pipeline_facts(
                    session, tenant_id, topic.pipeline, cal.start_ms, cal.end_ms, team
                )
                funnel = build_funnel(topic.pipeline, facts, flow_order(facts))
                state: State = {
                    "pipeline": topic.pipeline,
                    "team": team,
                    "period": topic.window,
                    "from": cal.first.isoformat(),
                    "to": cal.last.isoformat(),
                    "created": funnel.created,
                    "steps": [asdict(step) for step in funnel.steps],
                }
                self._values[(tenant_id, topic.name)] = (time.monotonic(), clock_ms, state)
                out[topic.name] = (clock_ms, state)
        return out
