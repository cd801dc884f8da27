"""One Settings object for the whole service (environment prefix `FLOORWATCH_`)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.sealing import check_key

PRODUCTION = "production"


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
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Redis for the redis engine: `redis://HOST:PORT/DB` (`rediss://` for TLS) for "
        "one server, `redis+cluster://HOST:PORT` (`rediss+cluster://`) for a Redis Cluster "
        "(any node; the others are discovered).",
    )
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
    http_header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="A connection must send a request's complete headers within this long of "
        "opening (or of the request's first byte); else it is closed (408). Closes silent "
        "connections and headers sent a byte at a time.",
    )
    http_body_timeout_s: float = Field(
        60.0,
        gt=0,
        description="A request's body must have arrived within this long of its headers; else "
        "the connection is closed (a body trickled in).",
    )
    http_keep_alive_timeout_s: int = Field(
        5, ge=1, description="An idle connection between requests is closed after this long."
    )
    http_max_header_bytes: int = Field(
        16 * 1024,
        ge=1024,
        description="Largest request line plus headers; beyond, 431 and the connection closed.",
    )
    http_limit_concurrency: int = Field(
        25_000,
        ge=1,
        description="Connections and requests in progress per process (WebSockets included: "
        "keep it above `ws_max_connections`); beyond, new requests get 503.",
    )
    forwarded_allow_ips: list[str] = Field(
        [],
        description="Addresses (or CIDR networks) of the reverse proxies whose `X-Forwarded-For` "
        'and `X-Forwarded-Proto` are believed (JSON list, e.g. `["10.0.0.5"]`). Empty: none, '
        "the peer address is the client (a loopback peer is not trusted by default, so a local "
        "process cannot pose as any address to the login throttle). `*` trusts every peer.",
    )
    partitions: int = Field(
        16, ge=1, le=1024, description="Redis engine: number of event-log partitions (fixed)."
    )
    lease_ttl_ms: int = Field(
        5000, ge=500, description="Redis engine: a partition lease expires after this long."
    )
    checkpoint_interval_ms: int = Field(
        2000,
        ge=50,
        description="Redis engine: how often a worker checkpoints its partitions (stretched "
        "so that taking a checkpoint keeps under a tenth of the worker's time).",
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
    max_body_bytes: int = Field(
        5 * 1024 * 1024,
        ge=1024,
        description="Largest body of the routes that take bulk input: event ingestion "
        "(`/v1/events`), the platform adapters (`/v1/integrations/…`) and the shift CSV import "
        "(`/v1/shifts/import`); beyond, 413.",
    )
    max_request_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest body of every other request; beyond, 413 before the body is read "
        "(a declared `Content-Length`) or as soon as a streamed body passes it.",
    )
    max_future_skew_s: float = Field(
        300.0,
        ge=0,
        le=86_400,
        description="Events stamped further than this in the future are rejected (at most a "
        "day: a clock that far off is a fault to fix, not to accept).",
    )
    dedup_retention_s: int = Field(
        86_400, ge=86_400, description="How long an event id is remembered for de-duplication."
    )
    max_call_age_s: float = Field(
        4 * 3600.0, description="A call with no end after this long is expired."
    )
    callback_expiry_hours: float = Field(
        24.0,
        gt=0,
        le=24 * 90,
        description="A caller on the call-back list whom nobody reached leaves it as `expired` "
        "this many hours after their last missed call.",
    )
    caller_retention_days: int = Field(
        30,
        ge=2,
        le=3650,
        description="No caller number is kept longer than this: an open call-back entry "
        "expires within `callback_expiry_hours` (which must leave a day of it), a closed one "
        "is forgotten a day after it closed, calls with numbers are forgotten within hours, and "
        "reports keep only counts (`callback_facts` holds no number).",
    )
    update_interval_ms: int = Field(
        250, ge=10, description="Cadence at which live metric updates are coalesced and pushed."
    )
    allowed_origins: list[str] = Field(
        [],
        description="WebSocket: browser origins (e.g. `https://wall.example.com`) allowed to "
        "open `/v1/ws` besides the server's own origin; `*` allows any. JSON list in the "
        "environment. Clients that send no `Origin` header (non-browsers) are not checked.",
    )
    ws_max_message_bytes: int = Field(
        64 * 1024, ge=1024, description="WebSocket: largest message a client may send."
    )
    ws_queue_size: int = Field(
        256,
        ge=8,
        description="WebSocket: replies (pongs, errors, acknowledgements, pings) queued for a "
        "client before it counts as not reading and is closed (4008). Updates are never queued: "
        "a client is sent each topic's newest version whenever its socket is ready.",
    )
    ws_ping_interval_s: float = Field(
        20.0, gt=0, description="WebSocket: how often the server sends an application `ping`."
    )
    ws_stale_after_s: float = Field(
        50.0,
        gt=0,
        description="WebSocket: a wall that has received nothing (not even a `ping`) for this "
        "long marks itself stale and reconnects; sent in `welcome` (`stale_after_s`). Must "
        "exceed `ws_ping_interval_s`, or a quiet but healthy wall would blink stale.",
    )
    trend_sample_s: float = Field(
        10.0,
        gt=0,
        le=300,
        description="Wall charts: how often the server samples the live value of every charted "
        "series, so that a freshly opened wall draws the last hour (`/v1/metrics/history`).",
    )
    ws_idle_timeout_s: float = Field(
        60.0,
        gt=0,
        description="WebSocket: a connection from which nothing (not even a `pong`) arrived "
        "for this long is closed (code 4009).",
    )
    ws_send_timeout_s: float = Field(
        10.0,
        gt=0,
        description="WebSocket: a connection whose socket accepted no data for this long is "
        "closed as a slow consumer (code 4008).",
    )
    ws_max_messages_per_s: float = Field(
        10.0,
        gt=0,
        description="WebSocket: messages a client may send per second on average; past it (and "
        "the burst) the connection is closed (code 4029).",
    )
    ws_message_burst: int = Field(
        60,
        ge=1,
        description="WebSocket: messages a client may send at once before "
        "`ws_max_messages_per_s` applies.",
    )
    ws_max_subscriptions: int = Field(
        256, ge=1, description="WebSocket: topics one connection may subscribe to."
    )
    ws_max_connections: int = Field(
        20_000, ge=1, description="WebSocket: connections per process; beyond, 503."
    )
    create_default_tenant: bool = Field(
        True, description="Create tenant `default` on first start (embedded default)."
    )
    alert_retention_days: int = Field(
        365,
        ge=1,
        le=36_500,
        description="Ended alert episodes are deleted (with their history, deliveries and "
        "attempts) this many days after they ended; open ones are kept.",
    )
    fact_retention_days: int = Field(
        400,
        ge=0,
        le=36_500,
        description="Report facts (calls, agent state intervals, deals, surveys) are deleted "
        "this many days after the time they count at; the rollups that reports read stay, and "
        "`floorwatch reports rebuild` cannot go back further. 0: kept for ever.",
    )
    secret_key: SecretStr | None = Field(
        None,
        validate_default=True,
        description="Key that seals alert channel secrets (webhook keys, SMTP passwords, chat "
        "webhook URLs) and CRM client secrets (HubSpot) in the database: 32 bytes in URL-safe "
        "base64, from `floorwatch secrets "
        "generate-key`. Required in `production`; elsewhere, unset, they are stored as given "
        "(`serve` warns while any channel holds one).",
    )
    previous_secret_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Older keys, still used to open what they sealed (a JSON list); `serve` and "
        "`floorwatch secrets reseal` seal it again with `secret_key`.",
    )
    alert_private_destinations: bool = Field(
        False,
        description="Let alert channels deliver to loopback, private, link-local and other "
        "non-public addresses. Off: a tenant's webhook or SMTP host cannot reach the network "
        "the service runs in (its Redis, databases, cloud metadata). Turn on for an internal "
        "webhook receiver or SMTP relay on a deploy whose tenants are trusted.",
    )
    twilio_auth_token: SecretStr | None = Field(
        None,
        description="Twilio auth token: when set, TaskRouter callbacks must carry a valid "
        "`X-Twilio-Signature`.",
    )
    public_url: str | None = Field(
        None,
        description="The URL clients reach this service at (e.g. `https://floorwatch.example`), "
        "when a proxy sits in front; used to check signed callbacks.",
    )
    log_level: str = Field("INFO", description="Log level.")
    log_json: bool = Field(False, description="JSON log lines (set in production).")
    demo: bool = Field(False, description="Generate live demo traffic into tenant `default`.")
    cookie_secure: bool = Field(
        True,
        validate_default=True,
        description="Mark the session cookie `Secure` (sent over HTTPS only). Defaults to true "
        "unless `environment` is `development` (plain-HTTP development on localhost); cannot "
        "be turned off in `production`.",
    )
    session_idle_ttl_s: int = Field(
        7 * 86_400,
        ge=60,
        description="A browser session that is not used for this long expires (each use "
        "extends it, up to `session_max_age_s`).",
    )
    session_max_age_s: int = Field(
        30 * 86_400, ge=60, description="A browser session ends this long after the login."
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed logins for one username before it is locked for a while."
    )
    login_ip_max_failures: int = Field(
        30,
        ge=1,
        description="Failed logins from one client address (any username) before it is locked.",
    )
    login_lockout_base_s: float = Field(
        30.0,
        gt=0,
        description="First lockout; each further failure doubles it, up to `login_lockout_max_s`.",
    )
    login_lockout_max_s: float = Field(900.0, gt=0, description="Longest lockout.")
    login_failure_window_s: float = Field(
        3600.0,
        gt=0,
        description="Failures are forgotten when no login was attempted for this long.",
    )
    rate_limit_window_s: float = Field(
        60.0, gt=0, description="Rate limits count requests over fixed windows of this length."
    )
    rate_limit_api_key: int = Field(
        60_000,
        ge=0,
        description="Requests one API key may make per window; beyond, 429 with `Retry-After`. "
        "0: no limit.",
    )
    rate_limit_user: int = Field(
        6_000,
        ge=0,
        description="Requests one user may make per window, over all its sessions and personal "
        "tokens; beyond, 429 with `Retry-After`. 0: no limit.",
    )
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token Prometheus must send to read `/metrics`. Unset: `/metrics` "
        "answers only clients on the loopback interface.",
    )

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None:
            check_key(value.get_secret_value())
        elif info.data.get("environment") == PRODUCTION:
            raise ValueError(
                "required when FLOORWATCH_ENVIRONMENT=production (it seals alert channel "
                "secrets in the database): create one with `floorwatch secrets generate-key`"
            )
        return value

    @field_validator("cookie_secure")
    @classmethod
    def _secure_cookies_in_production(cls, value: bool, info: ValidationInfo) -> bool:
        if not value and info.data.get("environment") == PRODUCTION:
            raise ValueError(
                "must be true when FLOORWATCH_ENVIRONMENT=production (the session cookie is "
                "sent over HTTPS only); serve over HTTPS, or run a non-production environment"
            )
        return value

    @field_validator("previous_secret_keys")
    @classmethod
    def _check_previous_keys(cls, value: list[SecretStr]) -> list[SecretStr]:
        for key in value:
            check_key(key.get_secret_value())
        return value

    def secret_keys(self) -> list[str]:
        """The keys that open sealed secrets, the sealing one first."""
        if self.secret_key is None:
            return []
        return [k.get_secret_value() for k in (self.secret_key, *self.previous_secret_keys)]

    @model_validator(mode="before")
    @classmethod
    def _cookie_secure_default(cls, data: Any) -> Any:
        """`cookie_secure` follows `environment` unless it is set explicitly."""
        if isinstance(data, dict) and data.get("cookie_secure") is None:
            environment = data.get("environment", "development")
            return {**data, "cookie_secure": environment != "development"}
        return data

    @model_validator(mode="after")
    def _stale_after_a_ping(self) -> Settings:
        if self.ws_stale_after_s <= self.ws_ping_interval_s:
            raise ValueError(
                f"ws_stale_after_s ({self.ws_stale_after_s}) must exceed ws_ping_interval_s "
                f"({self.ws_ping_interval_s}): a wall hears at least a ping that often"
            )
        if self.callback_expiry_hours > (self.caller_retention_days - 1) * 24:
            raise ValueError(
                f"callback_expiry_hours ({self.callback_expiry_hours}) must leave a day within "
                f"caller_retention_days ({self.caller_retention_days}): an entry is kept a day "
                "after it closes, and no caller number may outlive the retention"
            )
        return self

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


def describe_settings_error(error: ValidationError) -> str:
    """A refused configuration as one line per setting, named as it is set (`FLOORWATCH_…`)."""
    prefix = Settings.model_config.get("env_prefix", "")
    lines = ["invalid configuration:"]
    for problem in error.errors(include_url=False):
        loc = problem["loc"]
        field = ".".join(str(part) for part in loc) or "(settings)"
        name = f"{prefix}{field.upper()}" if loc else field
        # a secret's value is never echoed, not even a wrong one
        shown = loc and not _is_secret(str(loc[0]))
        given = f" (got {problem['input']!r})" if shown else ""
        lines.append(f"  {name}: {problem['msg']}{given}")
    return "\n".join(lines)


def _is_secret(name: str) -> bool:
    field = Settings.model_fields.get(name)
    return field is not None and "SecretStr" in str(field.annotation)
