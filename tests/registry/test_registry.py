"""The metric registry is the one list of metrics: everything derived from it agrees with it,
and what it computes from window sums follows docs/metrics.md's formulas."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.alerts.payloads import describe, format_value
from app.alerts.rules import RuleError, check_metric, parse_rule_scope
from app.core.db import Database
from app.dashboards.schemas import METRICS as DASHBOARD_METRICS
from app.facts.models import PhraseFactRow
from app.facts.phrase_rollups import PhraseRollupRow
from app.facts.rollups import SUM_COLUMNS, KpiRollupRow
from app.kpi.rows import METRICS as REPORT_METRICS
from app.registry.compiled import compile_family
from app.registry.metrics import (
    ALL_SPECS,
    CALL_METRICS,
    LIVE_METRICS,
    PHRASE_LIST_METRICS,
    REGISTRY,
    agent_time_metrics,
    call_metrics,
    callback_metrics,
    pipeline_metrics,
    ratio,
)
from app.registry.specs import BadSide, MetricFamily, MetricKind, MetricSpec, MetricUnit
from app.registry.sums import (
    ADDITIVE_SUMS,
    LEDGERS,
    PHRASE_SUM_FIELDS,
    StateTimes,
    WindowSums,
)
from app.streams.aggregator.facts import PhraseFact
from app.streams.aggregator.records import ANSWERED_KNOWN, CSAT_SATISFIED, sum_field
from tests.conftest import RunningApp
from tests.helpers import make_tenant_key

counts = st.integers(min_value=0, max_value=10_000)


@given(
    sums=st.builds(WindowSums, *([counts] * 26), st.integers(min_value=-1, max_value=10**6)),
    times=st.builds(StateTimes, *([counts] * 5)),
)
def test_formulas_of_docs_metrics_md(sums: WindowSums, times: StateTimes) -> None:
    """An independent spelling of the formulas the registry declares."""
    got = call_metrics(sums)
    offered = sums.answered + sums.abandoned + sums.left_queue
    unknown = sums.answered - sums.answered_known + sums.unanswered_unknown
    sl_den = offered - sums.short_abandoned - unknown
    assert got["offered"] == offered
    assert got["service_level"] == (sums.answered_within_sl / sl_den if sl_den else None)
    handle = sums.talk_ms + sums.hold_ms + sums.wrapup_ms
    assert got["aht"] == (handle / (1000 * sums.handled) if sums.handled else None)
    assert got["asa"] == (
        sums.wait_ms / (1000 * sums.answered_known) if sums.answered_known else None
    )
    assert got["average_deal"] == (
        sums.revenue_micros / 1_000_000 / sums.deals if sums.deals else None
    )
    assert got["max_wait"] == (sums.max_wait_ms / 1000 if sums.max_wait_ms >= 0 else None)
    assert list(got) == list(CALL_METRICS)
    busy = times.on_call + times.wrapup
    occupancy = agent_time_metrics(times)["occupancy"]
    assert occupancy == (busy / (busy + times.available) if busy + times.available else None)
    assert agent_time_metrics(times)["time_break"] == times.on_break / 1000
    deals = pipeline_metrics(sums)
    closed = sums.deals_won + sums.deals_lost
    assert deals["win_rate"] == (sums.deals_won / closed if closed else None)
    assert deals["time_to_close"] == (
        sums.close_ms / (1000 * sums.closed_known) if sums.closed_known else None
    )
    assert deals["effort_to_close"] == (
        sums.effort_ms / (1000 * sums.effort_known) if sums.effort_known else None
    )
    assert (deals["deals_created"], deals["deals_won"], deals["deals_lost"]) == (
        sums.deals_created,
        sums.deals_won,
        sums.deals_lost,
    )


def test_every_metric_is_declared_whole() -> None:
    assert len(REGISTRY) == len(ALL_SPECS)
    for spec in ALL_SPECS:
        assert spec.label_en, spec.name
        assert spec.label_pl, spec.name
        assert spec.label_en != spec.name, spec.name
        if spec.unit is MetricUnit.fraction:
            assert spec.kind is MetricKind.ratio, spec.name
        if spec.kind is MetricKind.gauge:
            assert spec.rollup.value == "none", spec.name


def test_derived_lists_follow_the_registry() -> None:
    windowed = {
        s.name
        for s in ALL_SPECS
        if s.family
        in (
            MetricFamily.calls,
            MetricFamily.agent_time,
            MetricFamily.pipeline,
            MetricFamily.callbacks,
        )
        and s.kind is not MetricKind.gauge
    }
    gauges = {
        s.name
        for s in ALL_SPECS
        if s.family
        in (MetricFamily.queue_gauge, MetricFamily.agent_gauge, MetricFamily.pipeline_gauge)
        or (s.family is MetricFamily.callbacks and s.kind is MetricKind.gauge)
    }
    assert set(DASHBOARD_METRICS) == set(LIVE_METRICS) == windowed | gauges
    # the per-list phrase metrics are report columns too, named by list (`phrase_hits:LIST`)
    assert set(REPORT_METRICS) | set(PHRASE_LIST_METRICS) == {
        s.name for s in ALL_SPECS if s.rollup.value != "none"
    }
    for spec in ALL_SPECS:
        if spec.family is MetricFamily.agent_time:
            with pytest.raises(RuleError, match="agent-time"):
                check_metric(spec.name, parse_rule_scope("queue:Sales"), "15m", None)
        if spec.family is MetricFamily.queue_gauge:
            check_metric(spec.name, parse_rule_scope("queue:Sales"), "live", None)


def test_ledger_fields_sit_where_the_registry_places_them() -> None:
    assert WindowSums._fields == (*ADDITIVE_SUMS, "max_wait_ms")
    assert sum_field("answer", "answered_known") == ANSWERED_KNOWN == 1 << 64
    assert 1 << (64 * LEDGERS["csat"].index("csat_satisfied")) == CSAT_SATISFIED
    assert SUM_COLUMNS[: len(ADDITIVE_SUMS)] == ADDITIVE_SUMS


async def test_rollup_table_has_a_column_for_every_sum(db: Database) -> None:
    """The migrations and the registry agree: a sum added to LEDGERS without its migration
    fails here on both databases."""
    async with db.engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("kpi_rollups")}
        )
    assert set(SUM_COLUMNS) <= columns
    assert set(SUM_COLUMNS) <= set(KpiRollupRow.__table__.columns.keys())


async def test_phrase_fact_and_rollup_tables_have_a_column_for_every_phrase_sum(
    db: Database,
) -> None:
    """The phrase sums the registry declares are fields of the phrase fact and columns of the
    phrase fact and rollup tables, in the migrations as in the models."""
    assert set(PHRASE_SUM_FIELDS) <= set(PhraseFact.__struct_fields__)
    for model in (PhraseFactRow, PhraseRollupRow):
        table = model.__tablename__

        def names(sync: sa.Connection, table: str = table) -> set[str]:
            return {c["name"] for c in sa.inspect(sync).get_columns(table)}

        async with db.engine.connect() as conn:
            columns = await conn.run_sync(names)
        assert set(PHRASE_SUM_FIELDS) <= columns, table
        assert set(PHRASE_SUM_FIELDS) <= set(model.__table__.columns.keys()), table


def test_alert_texts_use_labels_and_units() -> None:
    en = describe("Sales SL", "service_level", "15m", "queue:Sales", "<", 0.8, 0.72)
    assert en == "Sales SL: Service level (15m) of queue:Sales is 72.0% (alert when < 80.0%)"
    pl = describe("Przerwy", "agents_break:lunch", "live", "tenant", ">", 3, 4, language="pl")
    assert pl == "Przerwy: Konsultanci na przerwie: lunch – tenant: 4 (alert gdy > 3)"
    assert format_value("time_in_state", 540) == "9.0 min"
    assert format_value("aht", 95) == "95 s"


async def test_catalog_over_http(app_server: RunningApp) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    async with app_server.client(key) as client:
        answer = await client.get("/v1/metrics/catalog")
    assert answer.status_code == 200
    catalog = answer.json()
    by_name = {m["name"]: m for m in catalog["metrics"]}
    assert set(by_name) == set(REGISTRY)
    sl = by_name["service_level"]
    assert (sl["unit"], sl["bad"], sl["kind"]) == ("fraction", "below", "ratio")
    assert sl["labels"] == {"en": "Service level", "pl": "Poziom obsługi"}
    assert sl["thresholds"] == {"warn": 0.8, "crit": 0.7}
    assert sl["scopes"] == ["tenant", "queue", "team", "agent"]
    assert sl["windowed"] is True
    assert by_name["calls_waiting"]["windowed"] is False
    assert catalog["break_reason_prefix"] == "agents_break:"
    async with app_server.client() as anonymous:
        assert (await anonymous.get("/v1/metrics/catalog")).status_code == 401


def test_a_formula_naming_something_unknown_is_refused() -> None:
    spec = MetricSpec(
        "typo", MetricKind.ratio, MetricUnit.fraction, BadSide.below, MetricFamily.calls,
        "Typo", "Literówka", "a misspelt sum", formula="ratio(answerd, offered)",
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"typo: its formula names \['answerd', 'offered'\]"):
        compile_family([spec], WindowSums._fields, {"ratio": ratio})


@given(
    missed=counts,
    made=counts,
    waited=st.integers(min_value=0, max_value=10**9),
    closed=counts,
    returned=counts,
    dismissed=counts,
)
def test_callback_formulas_of_docs_metrics_md(
    missed: int, made: int, waited: int, closed: int, returned: int, dismissed: int
) -> None:
    opened = missed + returned + dismissed  # the window's entries: open, returned, dismissed
    got = callback_metrics((opened, made, waited, made + closed, returned, dismissed))
    assert list(got) == ["missed_callers", "callbacks_made", "callback_rate", "time_to_callback"]
    assert got["missed_callers"] == opened
    assert got["callbacks_made"] == made
    rate = got["callback_rate"]
    assert rate == (returned / (missed + returned) if missed + returned else None)
    assert rate is None or 0 <= rate <= 1
    assert got["time_to_callback"] == (waited / (1000 * made) if made else None)
    assert REGISTRY["unreturned"].kind is MetricKind.gauge
    assert REGISTRY["unreturned"].scopes == ("tenant", "queue")
