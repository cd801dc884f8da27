"""Per-tenant settings the aggregator reads: queue thresholds, teams, time zone, call expiry."""

from __future__ import annotations

import msgspec

from app.streams.aggregator.phrase_lists import PhraseListConfig


class QueueConfig(msgspec.Struct, frozen=True):
    """`sl_threshold_s`: answered within this wait counts towards service level.
    `short_abandon_s`: abandoned before this wait is a short abandon.
    `wrapup_s`: the wrap-up limit after a call of this queue. None: wrap-up lasts until
    `call.wrapup_ended` or the agent's next activity (platforms that log wrap-up); 0: no
    wrap-up, the agent is available when the call ends; N: as None, but the wrap-up ends by
    itself N seconds after the call ended if nothing ended it sooner (platforms that log no
    wrap-up but hold the agent back for a fixed time, like Asterisk's `wrapuptime`)."""

    sl_threshold_s: float = 20.0
    short_abandon_s: float = 5.0
    wrapup_s: float | None = None


class TenantConfig(msgspec.Struct):
    """Everything the aggregator of one tenant needs besides events.

    `queues` holds the queues with their own settings; every other queue uses `default_queue`.
    `agent_teams` and `agent_names` come from the database. A call that is still open
    `max_call_age_s` after its first event is expired. A finished call is remembered for
    `finished_call_retention_s` so that late or repeated events about it are recognised and
    deals and surveys that name it are attributed to its queue.
    `phrase_lists` are matched against transcript segments (docs/phrases.md); the segment of
    a hit is kept only with `keep_segments`, for `segment_retention_s`.
    """

    tenant_id: int
    timezone: str = "UTC"
    language: str = "en"  # of what is written for the tenant (alert notifications)
    queues: dict[str, QueueConfig] = {}
    default_queue: QueueConfig = QueueConfig()
    agent_teams: dict[str, str] = {}
    agent_names: dict[str, str] = {}
    max_call_age_s: float = 4 * 3600
    finished_call_retention_s: float = 3600
    stall_limits: dict[str, dict[str, float]] = {}
    """Pipeline -> stage -> seconds without a stage change after which an open deal is
    stalled; a stage not listed uses `default_stall_s`."""
    default_stall_s: float = 7 * 86400
    closed_deal_retention_s: float = 30 * 86400
    """A won or lost deal is remembered this long after its last event, so that repeated or
    late events about it are recognised."""

    def stall_limit_s(self, pipeline: str, stage: str) -> float:
        return self.stall_limits.get(pipeline, {}).get(stage, self.default_stall_s)

    country_code: str | None = None  # given to national caller numbers (app/callbacks/numbers)
    callback_expiry_s: float = 24 * 3600
    """An open call-back entry expires this long after the caller's last missed call."""
    phrase_lists: tuple[PhraseListConfig, ...] = ()
    keep_segments: bool = False  # keep the transcript segment of each phrase hit
    segment_retention_s: float = 7 * 86400  # for as long as this

    def queue(self, name: str | None) -> QueueConfig:
        if name is None:
            return self.default_queue
        return self.queues.get(name, self.default_queue)
