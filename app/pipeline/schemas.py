"""Bodies of `/v1/pipeline/stall-limits`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.org.schemas import Name
from app.streams.aggregator.config import TenantConfig

DEFAULT_STALL_S: float = TenantConfig(tenant_id=0).default_stall_s
MAX_STALL_S = 366 * 86400.0
MAX_LIMITS = 500

StallSeconds = Annotated[
    float,
    Field(
        gt=0,
        le=MAX_STALL_S,
        description="Seconds without a stage change after which an open deal of this stage is "
        "stalled (more than 0, at most 366 days).",
    ),
]


class StallLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pipeline: Name = Field(description="The pipeline as the events name it (`pipeline`).")
    stage: Name = Field(description="The stage as the events name it (`stage`).")
    stall_s: StallSeconds


class StallLimitsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limits: list[StallLimit] = Field(
        max_length=MAX_LIMITS,
        description="Every limit of the tenant (replaces the ones set before); a stage "
        "listed twice is refused.",
    )

    @model_validator(mode="after")
    def no_stage_twice(self) -> StallLimitsIn:
        seen: set[tuple[str, str]] = set()
        for index, limit in enumerate(self.limits):
            key = (limit.pipeline, limit.stage)
            if key in seen:
                raise ValueError(
                    f"limits[{index}]: stage {limit.stage!r} of pipeline {limit.pipeline!r} is "
                    "listed twice"
                )
            seen.add(key)
        return self


class StallLimitsOut(BaseModel):
    default_s: float = Field(description="The limit of every stage not listed (7 days).")
    limits: list[StallLimit]
