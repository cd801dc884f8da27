"""Every metric of Floorwatch, declared once (docs/metrics.md has the full definitions).

Durations are seconds, fractions 0-1, money in the tenant's currency; a ratio or an average
whose denominator is zero is None. To add a metric computed from existing window sums, add a
`MetricSpec` to the right tuple below (and its test in tests/registry/): the aggregator,
reports, alerts, dashboards, the catalog endpoint and the wall pick it up from here.
"""

from __future__ import annotations

from typing import Final

from app.registry.compiled import compile_family
from app.registry.specs import (
    BadSide,
    MetricFamily,
    MetricKind,
    MetricSpec,
    MetricUnit,
    Thresholds,
)
from app.registry.sums import CALLBACK_SUM_FIELDS, StateTimes, WindowSums

MICROS: Final = 1_000_000
BREAK_REASON_PREFIX: Final = "agents_break:"
TIME_IN_STATE: Final = "time_in_state"
"""Seconds an agent has been in its current state, when that state is an alert rule's
`agent_state` (and `agent_state_reason`, if set); no value otherwise. Read from the agent board,
so it grows with the clock and fires without new events."""


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def seconds(ms: int, count: int) -> float | None:
    """Average of a millisecond total over `count` items, in seconds."""
    return ms / (1000 * count) if count else None


def _calls(
    name: str,
    kind: MetricKind,
    unit: MetricUnit,
    bad: BadSide,
    en: str,
    pl: str,
    description: str,
    formula: str,
    thresholds: Thresholds | None = None,
) -> MetricSpec:
    return MetricSpec(
        name, kind, unit, bad, MetricFamily.calls, en, pl, description,
        formula=formula, thresholds=thresholds,
    )  # fmt: skip


C, R, A = MetricKind.counter, MetricKind.ratio, MetricKind.average
N, S, F, M = MetricUnit.number, MetricUnit.seconds, MetricUnit.fraction, MetricUnit.money
UP, DOWN = BadSide.above, BadSide.below

CALL_SPECS: Final = (
    _calls("offered", C, N, UP, "Offered", "Oferowane",
           "answered + abandoned + left queue",
           "answered + abandoned + left_queue"),
    _calls("answered", C, N, DOWN, "Answered", "Odebrane",
           "calls answered (at answer time)", "answered"),
    _calls("abandoned", C, N, UP, "Abandoned", "Porzucone",
           "callers who hung up while waiting", "abandoned"),
    _calls("short_abandoned", C, N, UP, "Short abandons", "Krótkie porzucenia",
           "abandoned with a wait under the queue's short-abandon threshold",
           "short_abandoned"),
    _calls("left_queue", C, N, UP, "Left queue", "Opuściły kolejkę",
           "unanswered exits that are not abandons (timeout, overflow, key, call-back)",
           "left_queue"),
    _calls("unknown_wait", C, N, UP, "Unknown wait", "Nieznany czas oczekiwania",
           "calls whose wait is unknown (enqueue never seen)",
           "answered - answered_known + unanswered_unknown"),
    _calls("service_level", R, F, DOWN, "Service level", "Poziom obsługi",
           "answered within T / (offered - short abandoned - unknown wait)",
           "ratio(answered_within_sl, offered - short_abandoned - unknown_wait)",
           Thresholds(0.8, 0.7)),
    _calls("abandonment_rate", R, F, UP, "Abandonment rate", "Wskaźnik porzuceń",
           "(abandoned - short) / (offered - short)",
           "ratio(abandoned - short_abandoned, offered - short_abandoned)", Thresholds(0.05, 0.1)),
    _calls("asa", A, S, UP, "Avg. speed of answer", "Średni czas odpowiedzi",
           "mean wait of the answered calls", "seconds(wait_ms, answered_known)",
           Thresholds(20, 40)),
    _calls("max_wait", A, S, UP, "Max wait", "Maks. oczekiwanie",
           "the longest wait of a call answered or abandoned in the window",
           "max_wait_ms / 1000 if max_wait_ms >= 0 else None"),
    _calls("handled", C, N, DOWN, "Handled", "Obsłużone",
           "calls finished (wrap-up end)", "handled"),
    _calls("aht", A, S, UP, "Avg. handle time", "Średni czas obsługi",
           "(talk + hold + wrap-up) / handled",
           "seconds(talk_ms + hold_ms + wrapup_ms, handled)",
           Thresholds(360, 480)),
    _calls("talk_time", A, S, UP, "Avg. talk time", "Średni czas rozmowy",
           "talk / handled", "seconds(talk_ms, handled)"),
    _calls("hold_time", A, S, UP, "Avg. hold time", "Średni czas zawieszenia",
           "hold / handled", "seconds(hold_ms, handled)"),
    _calls("wrapup_time", A, S, UP, "Avg. wrap-up time", "Średni czas po rozmowie",
           "wrap-up / handled", "seconds(wrapup_ms, handled)"),
    _calls("transfers", C, N, UP, "Transfers", "Przekazania",
           "calls transferred", "transfers"),
    _calls("expired", C, N, UP, "Expired calls", "Wygasłe połączenia",
           "calls that never ended, closed by expiry", "expired"),
    _calls("deals", C, N, DOWN, "Deals", "Transakcje",
           "deals won", "deals"),
    _calls("revenue", C, M, DOWN, "Revenue", "Przychód",
           "sum of the amounts of the deals won", "revenue_micros / MICROS"),
    _calls("conversion", R, F, DOWN, "Conversion", "Konwersja",
           "deals / handled", "ratio(deals, handled)"),
    _calls("average_deal", A, M, DOWN, "Average deal", "Średnia transakcja",
           "revenue / deals", "ratio(revenue, deals)"),
    _calls("csat_responses", C, N, DOWN, "CSAT responses", "Odpowiedzi CSAT",
           "survey scores received", "csat_responses"),
    _calls("csat_mean", A, MetricUnit.score, DOWN, "CSAT score", "Ocena CSAT",
           "mean survey score (1-5)", "ratio(csat_sum, csat_responses)",
           Thresholds(4, 3.5)),
    _calls("csat_satisfied", R, F, DOWN, "Satisfied customers", "Zadowoleni klienci",
           "share of scores >= 4", "ratio(csat_satisfied, csat_responses)"),
)  # fmt: skip


def _time(name: str, en: str, pl: str, bad: BadSide, state: str) -> MetricSpec:
    return MetricSpec(
        name, MetricKind.duration, S, bad, MetricFamily.agent_time, en, pl,
        f"agent x seconds in state `{state}` in the window", formula=f"{state} / 1000",
    )  # fmt: skip


AGENT_TIME_SPECS: Final = (
    MetricSpec("occupancy", R, F, UP, MetricFamily.agent_time, "Occupancy", "Obłożenie",
               "(on call + wrap-up) / (on call + wrap-up + available) time",
               formula="ratio(on_call + wrapup, on_call + wrapup + available)"),
    _time("time_available", "Time available", "Czas dostępności", DOWN, "available"),
    _time("time_ringing", "Time ringing", "Czas dzwonienia", UP, "ringing"),
    _time("time_on_call", "Time on call", "Czas rozmów", DOWN, "on_call"),
    _time("time_wrapup", "Time in wrap-up", "Czas po rozmowach", UP, "wrapup"),
    _time("time_break", "Time on break", "Czas przerw", UP, "on_break"),
)  # fmt: skip


def _gauge(
    name: str,
    family: MetricFamily,
    en: str,
    pl: str,
    bad: BadSide,
    description: str,
    unit: MetricUnit = N,
    thresholds: Thresholds | None = None,
) -> MetricSpec:
    return MetricSpec(name, MetricKind.gauge, unit, bad, family, en, pl, description,
                      thresholds=thresholds)  # fmt: skip


QUEUE_GAUGE_SPECS: Final = (
    _gauge("calls_waiting", MetricFamily.queue_gauge, "Calls waiting", "Połączenia w kolejce", UP,
           "calls in the queue now", thresholds=Thresholds(3, 6)),
    _gauge("longest_wait", MetricFamily.queue_gauge, "Longest wait", "Najdłuższe oczekiwanie", UP,
           "now - enqueue time of the oldest call waiting", S, Thresholds(30, 60)),
)  # fmt: skip

AGENT_GAUGE_SPECS: Final = (
    _gauge("agents_logged_in", MetricFamily.agent_gauge, "Agents logged in",
           "Zalogowani konsultanci", DOWN, "agents logged in now"),
    _gauge("agents_available", MetricFamily.agent_gauge, "Agents available",
           "Dostępni konsultanci", DOWN, "agents available now", thresholds=Thresholds(3, 1)),
    _gauge("agents_ringing", MetricFamily.agent_gauge, "Agents ringing",
           "Konsultanci – dzwoni", UP, "agents with a call ringing now"),
    _gauge("agents_on_call", MetricFamily.agent_gauge, "Agents on call",
           "Konsultanci w rozmowie", UP, "agents talking now"),
    _gauge("agents_wrapup", MetricFamily.agent_gauge, "Agents in wrap-up",
           "Konsultanci po rozmowie", UP, "agents in after-call work now"),
    _gauge("agents_break", MetricFamily.agent_gauge, "Agents on break",
           "Konsultanci na przerwie", UP,
           "agents not ready now (each reason also as `agents_break:REASON`)"),
)  # fmt: skip

AGENT_STATE_SPECS: Final = (
    _gauge(TIME_IN_STATE, MetricFamily.agent_state, "Time in state", "Czas w stanie", UP,
           "seconds the agent has been in the rule's `agent_state`", S),
)  # fmt: skip

SHIFT_SPECS: Final = (
    MetricSpec("shifts", C, N, DOWN, MetricFamily.shifts, "Shifts", "Zmiany", "shifts planned"),
    MetricSpec("late", C, N, UP, MetricFamily.shifts, "Late arrivals", "Spóźnienia",
               "shifts whose first login came after the start"),
    MetricSpec("lateness", MetricKind.duration, N, UP, MetricFamily.shifts, "Minutes late",
               "Minuty spóźnienia", "minutes from shift start to first login, summed"),
    MetricSpec("absent", C, N, UP, MetricFamily.shifts, "Absences", "Nieobecności",
               "shifts with no login"),
    MetricSpec("absence_rate", R, F, UP, MetricFamily.shifts, "Absence rate",
               "Wskaźnik nieobecności", "absent / shifts"),
    MetricSpec("early_leave", C, N, UP, MetricFamily.shifts, "Early leaves", "Wcześniejsze wyjścia",
               "shifts left before their end"),
    MetricSpec("early_leave_minutes", MetricKind.duration, N, UP, MetricFamily.shifts,
               "Minutes left early", "Minuty wcześniejszych wyjść",
               "minutes from the last logout to the shift end, summed"),
    MetricSpec("adherence", R, F, DOWN, MetricFamily.shifts, "Adherence", "Zgodność z grafikiem",
               "logged-in time within shifts / planned shift time"),
)  # fmt: skip


def _deals(
    name: str,
    kind: MetricKind,
    unit: MetricUnit,
    bad: BadSide,
    en: str,
    pl: str,
    description: str,
    formula: str,
) -> MetricSpec:
    return MetricSpec(name, kind, unit, bad, MetricFamily.pipeline, en, pl, description,
                      formula=formula)  # fmt: skip


PIPELINE_SPECS: Final = (
    _deals("deals_created", C, N, DOWN, "Deals created", "Utworzone szanse",
           "deals (leads) that entered a pipeline (`deal.created`)", "deals_created"),
    _deals("deals_won", C, N, DOWN, "Deals won", "Wygrane szanse",
           "deals won (`deal.won`)", "deals_won"),
    _deals("deals_lost", C, N, UP, "Deals lost", "Przegrane szanse",
           "deals lost (`deal.lost`)", "deals_lost"),
    _deals("win_rate", R, F, DOWN, "Win rate", "Skuteczność",
           "won / (won + lost)", "ratio(deals_won, deals_won + deals_lost)"),
    _deals("time_to_close", A, S, UP, "Time to close", "Czas do zamknięcia",
           "mean time from creation to win of the deals won (those with a known creation)",
           "seconds(close_ms, closed_known)"),
    _deals("effort_to_close", A, S, UP, "Effort to close", "Nakład na zamknięcie",
           "mean handle time of the calls of each deal won (deals won with tagged calls)",
           "seconds(effort_ms, effort_known)"),
)  # fmt: skip

PIPELINE_GAUGE_SPECS: Final = (
    _gauge("deals_open", MetricFamily.pipeline_gauge, "Open deals", "Otwarte szanse", DOWN,
           "open deals now (each stage also as `deals_open:STAGE`)"),
    _gauge("pipeline_value", MetricFamily.pipeline_gauge, "Pipeline value", "Wartość lejka",
           DOWN, "sum of the expected amounts of the open deals", M),
    _gauge("deals_stalled", MetricFamily.pipeline_gauge, "Stalled deals", "Utknięte szanse", UP,
           "open deals without a stage change for longer than their stage's stall limit "
           "(each stage also as `deals_stalled:STAGE`)", thresholds=Thresholds(1, 5)),
)  # fmt: skip
PIPELINE_CALL_METRICS: Final = ("deals", "revenue", "average_deal")
"""Call metrics a pipeline scope shows too (the deals won in it and their amounts)."""

CALLBACK_SPECS: Final = (
    _gauge("unreturned", MetricFamily.callbacks, "Unreturned callers", "Nieoddzwonieni", UP,
           "callers on the call-back list now (status `open`)", thresholds=Thresholds(5, 10)),
    MetricSpec("missed_callers", C, N, UP, MetricFamily.callbacks, "Missed callers",
               "Nieodebrani dzwoniący",
               "callers who entered the call-back list (first miss) in the window",
               formula="missed_callers"),
    MetricSpec("callbacks_made", C, N, DOWN, MetricFamily.callbacks, "Call-backs made",
               "Oddzwonienia", "entries closed by an outbound call that connected",
               formula="callbacks_made"),
    MetricSpec("callback_rate", R, F, DOWN, MetricFamily.callbacks, "Call-back rate",
               "Wskaźnik oddzwonień",
               "of the callers first missed in the window (less those dismissed), the share "
               "called back so far",
               formula="ratio(missed_returned, missed_callers - missed_dismissed)",
               thresholds=Thresholds(0.8, 0.6)),
    MetricSpec("time_to_callback", A, S, UP, MetricFamily.callbacks, "Time to call-back",
               "Czas do oddzwonienia",
               "mean time from the last miss to the connecting call-back",
               formula="seconds(callback_ms, callbacks_made)",
               thresholds=Thresholds(3600, 4 * 3600)),
)  # fmt: skip

PHRASE_LIST_METRICS: Final = ("phrase_hits", "calls_with", "script_adherence")
"""Metrics named per phrase list: `phrase_hits:LIST` (docs/phrases.md)."""
PHRASE_SPECS: Final = (
    MetricSpec("phrase_hits", C, N, UP, MetricFamily.phrases, "Phrase hits", "Wykryte frazy",
               "every occurrence of a phrase of the list, as `phrase_hits:LIST`"),
    MetricSpec("calls_with", C, N, UP, MetricFamily.phrases, "Calls with phrases",
               "Rozmowy z frazami",
               "calls with at least one phrase of the list, as `calls_with:LIST`"),
    MetricSpec("script_adherence", R, F, DOWN, MetricFamily.phrases, "Script adherence",
               "Zgodność ze skryptem",
               "handled calls in which every phrase of the `required` list was said (in time) "
               "/ handled calls with a transcript, as `script_adherence:LIST`",
               thresholds=Thresholds(0.9, 0.75)),
    MetricSpec("banned_calls", C, N, UP, MetricFamily.phrases, "Calls with banned phrases",
               "Rozmowy z zakazanymi frazami",
               "calls with a phrase of any `banned` list", thresholds=Thresholds(1, 3)),
    MetricSpec("negative_sentiment_share", R, F, UP, MetricFamily.phrases,
               "Negative sentiment", "Negatywny wydźwięk",
               "segments with negative sentiment / segments with a sentiment",
               thresholds=Thresholds(0.2, 0.35)),
)  # fmt: skip

ALL_SPECS: Final = (
    *QUEUE_GAUGE_SPECS,
    *AGENT_GAUGE_SPECS,
    *CALL_SPECS,
    *AGENT_TIME_SPECS,
    *AGENT_STATE_SPECS,
    *SHIFT_SPECS,
    *PIPELINE_SPECS,
    *PIPELINE_GAUGE_SPECS,
    *CALLBACK_SPECS,
    *PHRASE_SPECS,
)
REGISTRY: Final[dict[str, MetricSpec]] = {spec.name: spec for spec in ALL_SPECS}

CALL_METRICS: Final = tuple(spec.name for spec in CALL_SPECS)
AGENT_TIME_METRICS: Final = tuple(spec.name for spec in AGENT_TIME_SPECS)
QUEUE_GAUGES: Final = tuple(spec.name for spec in QUEUE_GAUGE_SPECS)
AGENT_GAUGES: Final = tuple(spec.name for spec in AGENT_GAUGE_SPECS)
SHIFT_METRICS: Final = tuple(spec.name for spec in SHIFT_SPECS)
PIPELINE_METRICS: Final = tuple(spec.name for spec in PIPELINE_SPECS)
PIPELINE_GAUGES: Final = tuple(spec.name for spec in PIPELINE_GAUGE_SPECS)
CALLBACK_METRICS: Final = tuple(spec.name for spec in CALLBACK_SPECS)
CALLBACK_WINDOWED: Final = tuple(spec for spec in CALLBACK_SPECS if spec.windowed)
LIVE_METRICS: Final = (
    *QUEUE_GAUGES,
    *AGENT_GAUGES,
    *CALL_METRICS,
    *AGENT_TIME_METRICS,
    *PIPELINE_METRICS,
    *PIPELINE_GAUGES,
    *CALLBACK_METRICS,
)
"""What the live view and the dashboards offer (gauges `live`, the rest in windows)."""

HELPERS: Final = {"ratio": ratio, "seconds": seconds, "MICROS": MICROS}
call_metrics: Final = compile_family(CALL_SPECS, WindowSums._fields, HELPERS)
"""WindowSums -> every call metric, by the formulas of CALL_SPECS."""
agent_time_metrics: Final = compile_family(AGENT_TIME_SPECS, StateTimes._fields, HELPERS)
"""StateTimes -> every agent-time metric, by the formulas of AGENT_TIME_SPECS."""
pipeline_metrics: Final = compile_family(PIPELINE_SPECS, WindowSums._fields, HELPERS)
"""WindowSums -> every pipeline metric, by the formulas of PIPELINE_SPECS."""
DEALS_OPEN_PREFIX: Final = "deals_open:"
DEALS_STALLED_PREFIX: Final = "deals_stalled:"
callback_metrics: Final = compile_family(CALLBACK_WINDOWED, CALLBACK_SUM_FIELDS, HELPERS)
"""The call-back list's window sums -> its windowed metrics, by the formulas of CALLBACK_SPECS."""


def spec_of(metric: str) -> MetricSpec | None:
    """The spec of a metric name, `agents_break:REASON` included (as `agents_break`), and so
    `deals_open:STAGE`, `deals_stalled:STAGE`, and `phrase_hits:LIST` and the other per-list
    metrics (as `phrase_hits`)."""
    if metric.startswith(BREAK_REASON_PREFIX):
        return REGISTRY["agents_break"]
    if metric.startswith(DEALS_OPEN_PREFIX):
        return REGISTRY["deals_open"]
    if metric.startswith(DEALS_STALLED_PREFIX):
        return REGISTRY["deals_stalled"]
    base, sep, name = metric.partition(":")
    if sep and name and base in PHRASE_LIST_METRICS:
        return REGISTRY[base]
    return REGISTRY.get(metric)


PHRASE_METRICS: Final = tuple(spec.name for spec in PHRASE_SPECS)


def is_phrase_metric(metric: str) -> bool:
    """`banned_calls`, `negative_sentiment_share`, or a per-list metric with a list name."""
    base, sep, name = metric.partition(":")
    if sep:
        return base in PHRASE_LIST_METRICS and 0 < len(name) <= 40
    return metric in PHRASE_METRICS and metric not in PHRASE_LIST_METRICS


def _check() -> None:
    for spec in ALL_SPECS:
        # phrase metrics are counted per list by the aggregator's phrase spotting
        # (app/streams/aggregator/phrases.py), not computed from window sums
        needs_formula = spec.windowed and spec.family is not MetricFamily.phrases
        if (spec.formula is not None) != needs_formula:  # pragma: no cover
            raise RuntimeError(f"{spec.name}: a windowed metric needs a formula, others none")
    if len(REGISTRY) != len(ALL_SPECS):  # pragma: no cover
        raise RuntimeError("a metric is declared twice")


_check()
