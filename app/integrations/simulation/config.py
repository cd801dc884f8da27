"""What the simulated call centre looks like: queues, teams, opening hours and behaviour.

Durations are in seconds. Talk, hold, wrap-up and deal values are lognormal, given by their
median and the shape `sigma` (the standard deviation of the log), because that is the shape
measured handle times and order values have: most are near the median, a few are very long.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

TEAM_NAMES: Final = ("North", "South", "East", "West", "Central", "Coast", "Valley", "Harbour")
HOLD_SIGMA: Final = 0.6


class QueueProfile(msgspec.Struct, frozen=True, kw_only=True):
    """One queue: its share of the arrivals, how its calls behave and its KPI settings."""

    name: str
    share: float
    talk_median_s: float
    talk_sigma: float = 0.6
    hold_probability: float = 0.2
    hold_median_s: float = 45.0
    wrapup_median_s: float = 45.0
    wrapup_sigma: float = 0.5
    patience_scale_s: float = 180.0
    """Weibull scale of how long a caller waits before hanging up."""
    patience_shape: float = 1.0
    """Weibull shape: 1 is exponential; below 1 more callers give up very early."""
    conversion: float = 0.0
    """Probability that a handled call closes a deal."""
    deal_median: float = 0.0
    deal_sigma: float = 0.8
    csat_probability: float = 0.2
    """Probability that the caller answers the survey after the call."""
    sl_threshold_s: int = 20
    short_abandon_s: int = 5

    @property
    def mean_handle_s(self) -> float:
        """Expected talk + hold + wrap-up of one call."""
        talk = self.talk_median_s * math.exp(self.talk_sigma**2 / 2)
        hold = self.hold_probability * self.hold_median_s * math.exp(HOLD_SIGMA**2 / 2)
        wrapup = self.wrapup_median_s * math.exp(self.wrapup_sigma**2 / 2)
        return talk + hold + wrapup


DEFAULT_QUEUES: Final = (
    QueueProfile(
        name="Sales",
        share=0.30,
        talk_median_s=300,
        hold_probability=0.10,
        wrapup_median_s=40,
        patience_scale_s=120,
        conversion=0.22,
        deal_median=450.0,
        csat_probability=0.15,
    ),
    QueueProfile(
        name="Support",
        share=0.40,
        talk_median_s=360,
        talk_sigma=0.7,
        hold_probability=0.30,
        wrapup_median_s=60,
        patience_scale_s=200,
        csat_probability=0.25,
    ),
    QueueProfile(
        name="Billing",
        share=0.20,
        talk_median_s=220,
        talk_sigma=0.5,
        hold_probability=0.20,
        wrapup_median_s=30,
        patience_scale_s=160,
        sl_threshold_s=30,
    ),
    QueueProfile(
        name="Retention",
        share=0.10,
        talk_median_s=420,
        hold_probability=0.25,
        wrapup_median_s=90,
        patience_scale_s=240,
        patience_shape=1.2,
        csat_probability=0.25,
        sl_threshold_s=30,
    ),
)

DEFAULT_CURVE: Final = (
    (8.0, 0.15),
    (9.0, 0.55),
    (10.0, 0.85),
    (11.0, 0.90),
    (12.0, 0.75),
    (13.0, 0.65),
    (14.0, 0.85),
    (15.0, 1.00),
    (16.0, 0.90),
    (17.0, 0.65),
    (18.0, 0.40),
    (19.0, 0.25),
    (20.0, 0.10),
)
"""Relative arrival rate by local hour, linear in between: a morning ramp, a dip over lunch and
the day's peak in the afternoon. The centre is open from the first point to the last."""


class Surge(msgspec.Struct, frozen=True, kw_only=True):
    """A rush on a compressed cycle, for demos (an outage, a mailing: everybody calls at once).
    Every `period_s` from `anchor` on, as many callers as there are free agents plus
    `extra_callers` arrive within `length_s` on top of the curve: the free agents are taken,
    a queue builds, the service level dips and alerts fire; then the floor catches up and they
    resolve."""

    anchor: datetime
    period_s: float
    length_s: float
    extra_callers: int

    def __post_init__(self) -> None:
        if self.anchor.tzinfo is None:
            raise ValueError("surge anchor must be timezone-aware")
        if not 0 < self.length_s < self.period_s:
            raise ValueError("surge length_s must be > 0 and shorter than period_s")
        if self.extra_callers < 0:
            raise ValueError("surge extra_callers must be >= 0")


class Callbacks(msgspec.Struct, frozen=True, kw_only=True):
    """Callers with numbers, and agents who call back those who hung up (the call-back list).
    Drawn from a random stream of their own, so that turning them on changes no other draw
    until an agent is first taken for a call-back."""

    country_code: str = "48"
    callers: int = 5000
    """Distinct numbers callers come from."""
    call_again_probability: float = 0.04
    """An arriving caller is one who hung up earlier and tries again."""
    callback_probability: float = 0.6
    """A caller who hung up is called back by an agent of the queue ..."""
    delay_s: tuple[float, float] = (120.0, 1500.0)
    """... this long after (uniform), when one is free (tried again every 2 minutes)."""
    answer_probability: float = 0.7
    """The customer picks up a call-back (else it rings out: an attempt, tried once more)."""
    talk_median_s: float = 90.0


class SimConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Everything that determines the simulated traffic; the same config gives the same events.

    Playback speed is deliberately not here: it belongs to `stream_live`, so the same seed gives
    the same calls whether they are generated in bulk or played at any speed."""

    start: datetime
    """When the simulation starts (timezone-aware). Agents whose shift is already running log
    in at this instant."""
    seed: int = 1
    teams: int = 4
    agents_per_team: int = 12
    queues: tuple[QueueProfile, ...] = DEFAULT_QUEUES
    time_zone: str = "UTC"
    """The centre's local time zone: opening hours, shifts and the arrival curve follow it."""
    peak_calls_per_hour: float | None = None
    """Arrivals per hour at the curve's maximum, over all queues. None sizes it to the staff."""
    target_occupancy: float = 0.93
    """Used only to size `peak_calls_per_hour` when it is None."""
    curve: tuple[tuple[float, float], ...] = DEFAULT_CURVE
    shift_hours: float = 8.5
    late_probability: float = 0.12
    absent_probability: float = 0.03
    ringing: bool = False
    """Offer each call with `call.ringing` for a few seconds before it is answered."""
    currency: str = "EUR"
    id_prefix: str | None = None
    """Prefix of event and call ids; default `sim-{seed}`. Change it to replay the same seed
    into the same tenant without the events being taken for duplicates."""
    surge: Surge | None = None
    """Recurring rushes on top of the curve (the live demo); None: the curve alone."""
    pipeline: bool = False
    """The agents of the queues that sell also work deals (simulation/pipeline.py)."""
    callbacks: Callbacks | None = None
    """Caller numbers and call-backs (the live demo); None: calls carry no number."""
    transcripts: bool = False
    """Send Polish and English transcript segments of each answered call (`call.transcript`,
    written against `simulation.transcripts.DEMO_PHRASE_LISTS`). Drawn from their own random
    stream: the calls are the same with or without them."""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware, e.g. datetime.now(UTC)")
        if self.teams < 1 or self.agents_per_team < 1:
            raise ValueError("teams and agents_per_team must be at least 1")
        if not self.queues:
            raise ValueError("at least one queue is needed")
        names = [q.name for q in self.queues]
        if len(set(names)) != len(names):
            raise ValueError(f"queue names must be unique, got {names}")
        for queue in self.queues:
            _check_queue(queue)
        _check_curve(self.curve)
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"time_zone must be an IANA zone name, got {self.time_zone!r}"
            ) from exc
        if self.peak_calls_per_hour is not None and self.peak_calls_per_hour < 0:
            raise ValueError("peak_calls_per_hour must be >= 0")
        if not 0 < self.target_occupancy <= 1:
            raise ValueError("target_occupancy must be in (0, 1]")
        if not 1 <= self.shift_hours <= 24:
            raise ValueError("shift_hours must be between 1 and 24")
        for name in ("late_probability", "absent_probability"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a probability in [0, 1]")
        if len(self.currency) != 3:
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")

    @property
    def prefix(self) -> str:
        return self.id_prefix if self.id_prefix is not None else f"sim-{self.seed}"

    @property
    def open_hour(self) -> float:
        return self.curve[0][0]

    @property
    def close_hour(self) -> float:
        return self.curve[-1][0]


def _check_queue(queue: QueueProfile) -> None:
    positive = ("share", "talk_median_s", "hold_median_s", "patience_scale_s", "patience_shape")
    for name in positive:
        if not getattr(queue, name) > 0:
            raise ValueError(f"queue {queue.name!r}: {name} must be > 0")
    for name in ("hold_probability", "conversion", "csat_probability"):
        if not 0 <= getattr(queue, name) <= 1:
            raise ValueError(f"queue {queue.name!r}: {name} must be a probability in [0, 1]")
    if queue.wrapup_median_s < 0 or queue.deal_median < 0:
        raise ValueError(f"queue {queue.name!r}: wrapup_median_s and deal_median must be >= 0")
    if queue.conversion > 0 and queue.deal_median <= 0:
        raise ValueError(f"queue {queue.name!r}: a queue that converts needs deal_median > 0")


def _check_curve(curve: tuple[tuple[float, float], ...]) -> None:
    hours = [hour for hour, _ in curve]
    if len(curve) < 2 or hours != sorted(set(hours)) or hours[0] < 0 or hours[-1] > 24:
        raise ValueError("curve needs >= 2 points with increasing hours within 0..24")
    if any(rate < 0 for _, rate in curve) or max(rate for _, rate in curve) <= 0:
        raise ValueError("curve rates must be >= 0 and at least one > 0")
