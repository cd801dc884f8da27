"""The metric catalog as the API shows it (`GET /v1/metrics/catalog`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.registry.specs import (
    BadSide,
    MetricFamily,
    MetricKind,
    MetricSpec,
    MetricUnit,
)


class ThresholdsOut(BaseModel):
    warn: float = Field(description="amber at this value, in the metric's unit")
    crit: float | None = Field(description="red at this value; null: none")


class MetricOut(BaseModel):
    name: str = Field(description="the stable name used by the API, reports and rules")
    kind: MetricKind
    unit: MetricUnit = Field(description="`fraction` values are 0-1, shown as a percentage")
    bad: BadSide = Field(description="which way the value is bad (`above`: higher is worse)")
    family: MetricFamily
    labels: dict[str, str] = Field(description="the label by language: `en`, `pl`")
    description: str = Field(description="how it is computed (docs/metrics.md in full)")
    scopes: list[str] = Field(
        description="scope kinds it exists for: tenant, queue, pipeline, team, agent"
    )
    windowed: bool = Field(description="true: over windows (5m ... today); false: `live` only")
    in_reports: bool = Field(
        description="true: a column of the KPI reports (`phrase_hits`, `calls_with` and "
        "`script_adherence` one per phrase list, as `phrase_hits:LIST`)"
    )
    thresholds: ThresholdsOut | None = Field(description="the default wall thresholds")


class MetricCatalog(BaseModel):
    metrics: list[MetricOut]
    break_reason_prefix: str = Field(
        description="`agents_break:REASON` counts the agents on break for one reason"
    )
    deals_open_prefix: str = Field(
        default="deals_open:", description="`deals_open:STAGE` counts the open deals in a stage"
    )
    deals_stalled_prefix: str = Field(
        default="deals_stalled:",
        description="`deals_stalled:STAGE` counts the stalled open deals in a stage",
    )


def metric_out(spec: MetricSpec) -> MetricOut:
    return MetricOut(
        name=spec.name,
        kind=spec.kind,
        unit=spec.unit,
        bad=spec.bad,
        family=spec.family,
        labels={"en": spec.label_en, "pl": spec.label_pl},
        description=spec.description,
        scopes=list(spec.scopes),
        windowed=spec.windowed,
        in_reports=spec.rollup.value != "none",
        thresholds=(
            ThresholdsOut(warn=spec.thresholds.warn, crit=spec.thresholds.crit)
            if spec.thresholds
            else None
        ),
    )
