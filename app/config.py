"""One Settings object for the whole service (environment prefix `FLOORWATCH_`)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EngineKind(StrEnum):
    memory = "memory"
    redis = "redis"


class ClockKind(StrEnum):
    wall = "wall"
    event = "event"


class Settings(BaseSettings):
    """Every knob of the service, each documented (the configuration reference is made from it)."""

    model_config = SettingsConfigDict(env_prefix="FLOORWATCH_", env_file=".env", extra="ignore")

    environment: str = Field("development", description="`development`, `test` or `production`.")
    database_url: str = Field(
        "sqlite+aiosqlite:///./var/floorwatch.sqlite3",
        description="SQLAlchemy async URL: `sqlite+aiosqlite:///PATH` or "
        "`postgresql+asyncpg://USER@HOST/DB`.",
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis for the redis engine.")
    redis_prefix: str = Field(
        "fw", description="Prefix of every Redis key and channel (lets runs share one Redis)."
    )
    engine: EngineKind = Field(
        EngineKind.memory, description="`memory` (embedded, one process) or `redis` (scale-out)."
    )
    clock: ClockKind = Field(
        ClockKind.wall, description="`wall` (live) or `event` (now = latest event time; replays)."
    )
    host: str = Field("127.0.0.1", description="Address `floorwatch serve` binds to.")
    port: int = Field(8000, description="Port `floorwatch serve` binds to.")
    partitions: int = Field(
        16, ge=1, le=1024, description="Redis engine: number of event-log partitions (fixed)."
    )
    lease_ttl_ms: int = Field(
        5000, ge=500, description="Redis engine: a partition lease expires after this long."
    )
    checkpoint_interval_ms: int = Field(
        2000, ge=50, description="Redis engine: how often a worker checkpoints its partitions."
    )
    stream_retention_s: int = Field(
        3600,
        ge=0,
        description="Redis engine: keep at least this much history in the streams (never trimmed "
        "past the oldest checkpoint).",
    )
    stream_batch: int = Field(
        500, ge=1, description="Redis engine: stream entries a worker reads per call."
    )
    max_batch_events: int = Field(10_000, ge=1, description="Events accepted in one request.")
    max_body_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="Largest request body.")
    max_future_skew_s: float = Field(
        300.0, description="Events stamped further than this in the future are rejected."
    )
    dedup_retention_s: int = Field(
        86_400, ge=86_400, description="How long an event id is remembered for de-duplication."
    )
    max_call_age_s: float = Field(
        4 * 3600.0, description="A call with no end after this long is expired."
    )
    update_interval_ms: int = Field(
        250, ge=10, description="Cadence at which live metric updates are coalesced and pushed."
    )
    create_default_tenant: bool = Field(
        True, description="Create tenant `default` on first start (embedded default)."
    )
    log_level: str = Field("INFO", description="Log level.")
    log_json: bool = Field(False, description="JSON log lines (set in production).")
    demo: bool = Field(False, description="Generate live demo traffic into tenant `default`.")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        path = self.database_url.split("///", 1)[-1]
        return None if path in ("", ":memory:") else Path(path)


@lru_cache
def get_settings() -> Settings:
    return Settings()
