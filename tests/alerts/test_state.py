"""The rule-instance state machine: pending for `for`, firing once, hysteresis on recovery,
no flapping on a value that hovers around the threshold."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from app.alerts.rules import Condition
from app.alerts.state import Phase, Step, Track, step


def run(
    condition: Condition, samples: Sequence[tuple[int, float | None]]
) -> list[tuple[int, Phase, Phase]]:
    """Feed (time, value) samples; the transitions with their times."""
    track: Track | None = None
    out = []
    for at, value in samples:
        result: Step = step(condition, track, value, at)
        if result.transition is not None:
            out.append((at, *result.transition))
        track = result.track
    return out


SL_BELOW_80_FOR_2_MIN = Condition(op="<", threshold=0.8, clear_threshold=0.85, for_ms=120_000)


def test_pending_for_the_for_time_then_firing_once() -> None:
    samples = [(t * 10_000, 0.7) for t in range(40)]
    assert run(SL_BELOW_80_FOR_2_MIN, samples) == [
        (0, Phase.normal, Phase.pending),
        (120_000, Phase.pending, Phase.firing),
    ]


def test_a_breach_shorter_than_for_never_fires() -> None:
    samples = [(0, 0.7), (60_000, 0.7), (119_999, 0.7), (120_000, 0.9), (130_000, 0.7)]
    assert run(SL_BELOW_80_FOR_2_MIN, samples) == [
        (0, Phase.normal, Phase.pending),
        (120_000, Phase.pending, Phase.normal),
        (130_000, Phase.normal, Phase.pending),
    ]


def test_hysteresis_keeps_firing_between_threshold_and_clear_threshold() -> None:
    samples = [(0, 0.5), (120_000, 0.5), (130_000, 0.82), (140_000, 0.84), (150_000, 0.79)]
    samples += [(160_000, 0.849), (170_000, 0.85)]
    assert run(SL_BELOW_80_FOR_2_MIN, samples) == [
        (0, Phase.normal, Phase.pending),
        (120_000, Phase.pending, Phase.firing),
        (170_000, Phase.firing, Phase.resolved),
    ]


def test_keep_firing_for_needs_the_clear_condition_to_hold_that_long() -> None:
    condition = Condition(op=">=", threshold=5, keep_firing_for_ms=60_000)
    samples = [
        (0, 6),
        (10_000, 2),
        (50_000, 2),
        (60_000, 5),
        (70_000, 1),
        (129_999, 1),
        (130_000, 1),
    ]
    assert run(condition, samples) == [
        (0, Phase.normal, Phase.firing),
        (130_000, Phase.firing, Phase.resolved),
    ]


def test_a_missing_value_breaches_nothing_and_counts_as_recovered() -> None:
    condition = Condition(op="<", threshold=0.8)
    assert run(condition, [(0, None), (1, 0.5), (2, None)]) == [
        (1, Phase.normal, Phase.firing),
        (2, Phase.firing, Phase.resolved),
    ]


values = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(min_value=1, max_value=30_000), values), max_size=80),
    st.integers(min_value=0, max_value=120_000),
    st.floats(min_value=0.0, max_value=0.2),
)
def test_transitions_follow_the_state_diagram(
    gaps: list[tuple[int, float]], for_ms: int, band: float
) -> None:
    """Whatever the values: transitions chain, firing is preceded by `for` of continuous
    breach, and between two firings the value was on the healthy side of the clear line."""
    condition = Condition(op="<", threshold=0.8, clear_threshold=0.8 + band, for_ms=for_ms)
    at, samples = 0, []
    for gap, value in gaps:
        at += gap
        samples.append((at, value))
    transitions = run(condition, samples)
    allowed = {
        (Phase.normal, Phase.pending),
        (Phase.normal, Phase.firing),
        (Phase.pending, Phase.firing),
        (Phase.pending, Phase.normal),
        (Phase.firing, Phase.resolved),
    }
    phase = Phase.normal
    for when, before, after in transitions:
        assert (before, after) in allowed
        assert before == (Phase.normal if phase is Phase.resolved else phase)
        if after is Phase.firing:
            breach = [t for t, v in samples if t <= when]
            start = max(
                (t for t, v in samples if t <= when and not condition.breaches(v)), default=-1
            )
            first_breach = min(t for t in breach if t > start)
            assert when - first_breach >= for_ms
        if after is Phase.resolved:
            value = dict(samples)[when]
            assert value >= 0.8 + band
        phase = after


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=50), st.floats(min_value=0.001, max_value=0.04))
def test_a_value_hovering_inside_the_band_fires_once_and_never_resolves(
    crossings: int, wobble: float
) -> None:
    condition = Condition(op="<", threshold=0.8, clear_threshold=0.85, for_ms=0)
    samples = [
        (i * 1000, 0.8 - wobble if i % 2 == 0 else 0.8 + wobble) for i in range(crossings * 2)
    ]
    assert run(condition, samples) == [(0, Phase.normal, Phase.firing)]
