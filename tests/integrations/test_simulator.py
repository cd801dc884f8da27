"""The simulator: deterministic, valid canonical event sequences, plausible KPIs, live playback."""

from __future__ import annotations

import asyncio
import re
import time as wall_time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.schemas import (
    AgentLogin,
    AgentLogout,
    AgentState,
    AnyEvent,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallQueued,
    CallRinging,
    CallWrapupEnded,
    CsatSubmitted,
    DealClosed,
    event_type,
)
from app.integrations.simulation import (
    DEFAULT_QUEUES,
    QueueProfile,
    Roster,
    SimConfig,
    Simulator,
    stream_live,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAY_MS = 24 * 3_600_000
MIDNIGHT = datetime(2024, 3, 5, tzinfo=BERLIN)


def config(**changes: object) -> SimConfig:
    values: dict[str, object] = {"start": MIDNIGHT, "time_zone": "Europe/Berlin"}
    values.update(changes)
    return SimConfig(**values)  # type: ignore[arg-type]


def local_hour(event: AnyEvent) -> int:
    return datetime.fromtimestamp(event.ms / 1000, BERLIN).hour


def simulate_day(cfg: SimConfig) -> list[AnyEvent]:
    sim = Simulator(cfg)
    return sim.run_until(sim.start_ms + DAY_MS - 1)


@pytest.fixture(scope="module")
def day() -> list[AnyEvent]:
    """A default day, midnight to midnight, so every call and shift is complete."""
    return simulate_day(config())


# checkers of the event stream

CALL_CODES = {
    "call.queued": "Q",
    "call.ringing": "R",
    "call.answered": "A",
    "call.hold": "H",
    "call.resumed": "U",
    "call.ended": "E",
    "call.wrapup_ended": "W",
    "call.abandoned": "X",
}
COMPLETE_CALL = re.compile(r"QR?(?:A(?:HU)*EW|X)")


def call_histories(events: Sequence[AnyEvent]) -> dict[str, str]:
    """Each call's event types in order, one letter per event."""
    histories: dict[str, str] = defaultdict(str)
    for event in events:
        code = CALL_CODES.get(event_type(event))
        call_id = getattr(event, "call_id", None)
        if code is not None and call_id is not None:
            histories[call_id] += code
    return histories


def check_agents(events: Sequence[AnyEvent]) -> None:
    """An agent takes calls only when logged in and not paused, one call at a time, and
    pauses or logs out only between calls."""
    logged_in: set[str] = set()
    paused: set[str] = set()
    busy_with: dict[str, str] = {}
    agent_of_call: dict[str, str] = {}
    for event in events:
        match event:
            case AgentLogin(agent=agent):
                assert agent not in logged_in, f"{agent} logged in twice"
                logged_in.add(agent)
            case AgentLogout(agent=agent):
                assert agent in logged_in, f"{agent} logged out while logged out"
                assert agent not in busy_with, f"{agent} logged out during a call"
                logged_in.discard(agent)
                paused.discard(agent)
            case AgentState(agent=agent, state=state):
                assert agent in logged_in, f"{agent} changed state while logged out"
                assert agent not in busy_with, f"{agent} paused during a call"
                if state == "available":
                    paused.discard(agent)
                else:
                    paused.add(agent)
            case (
                CallRinging(agent=agent, call_id=call_id)
                | CallAnswered(agent=str() as agent, call_id=call_id)
            ):
                assert agent in logged_in, f"{agent} took {call_id} while logged out"
                assert agent not in paused, f"{agent} took {call_id} while on a pause"
                held = busy_with.get(agent)
                assert held in (None, call_id), f"{agent} took {call_id} while on {held}"
                busy_with[agent] = call_id
                agent_of_call[call_id] = agent
            case CallWrapupEnded(call_id=call_id) | CallAbandoned(call_id=call_id):
                if call_id in agent_of_call:
                    assert busy_with.pop(agent_of_call.pop(call_id)) == call_id
            case _:
                pass


def check_routing(events: Sequence[AnyEvent], roster: Roster) -> int:
    """Each call is offered to the eligible agent idle the longest, and an agent always gets
    the oldest call waiting in its queues. Returns how many offers were checked."""
    skills = {agent.id: set(team.queues) for team in roster.teams for agent in team.agents}
    waiting: dict[str, tuple[int, CallQueued]] = {}
    idle_since: dict[str, int] = {}
    offered_to: dict[str, str] = {}
    checked = 0
    for n, event in enumerate(events):
        match event:
            case CallQueued(call_id=call_id):
                waiting[call_id] = (n, event)
            case AgentState(agent=agent, state="available"):
                idle_since[agent] = event.ms
            case AgentState(agent=agent) | AgentLogout(agent=agent):
                idle_since.pop(agent, None)
            case CallWrapupEnded(call_id=call_id):
                idle_since[offered_to.pop(call_id)] = event.ms
            case CallAbandoned(call_id=call_id):
                waiting.pop(call_id, None)
                if call_id in offered_to:
                    idle_since[offered_to.pop(call_id)] = event.ms
            case (
                CallRinging(agent=agent, call_id=call_id)
                | CallAnswered(agent=str() as agent, call_id=call_id)
            ) if call_id in waiting:
                order, call = waiting.pop(call_id)
                older = [
                    w.call_id for o, w in waiting.values() if w.queue in skills[agent] and o < order
                ]
                assert older == [], f"{agent} took {call_id} before the older {older}"
                eligible = [since for a, since in idle_since.items() if call.queue in skills[a]]
                assert agent in idle_since, f"{agent} took {call_id} while not idle"
                assert idle_since[agent] == min(eligible), f"{agent} is not the longest idle"
                del idle_since[agent]
                offered_to[call_id] = agent
                checked += 1
            case _:
                pass
    return checked


def service_level_and_abandonment(
    events: Sequence[AnyEvent], cfg: SimConfig
) -> tuple[float, float]:
    settings_of = {q.name: q for q in cfg.queues}
    queued: dict[str, CallQueued] = {}
    within = answered = abandoned = short = 0
    for event in events:
        if isinstance(event, CallQueued):
            queued[event.call_id] = event
        elif isinstance(event, CallAnswered):
            entry = queued[event.call_id]
            answered += 1
            threshold_ms = settings_of[entry.queue].sl_threshold_s * 1000
            within += event.ms - entry.ms <= threshold_ms
        elif isinstance(event, CallAbandoned):
            entry = queued[event.call_id]
            abandoned += 1
            short += event.ms - entry.ms < settings_of[entry.queue].short_abandon_s * 1000
    counted = answered + abandoned - short
    return within / counted, (abandoned - short) / counted


# determinism and the shape of the output


def test_same_seed_gives_the_same_events_and_another_seed_does_not(day: list[AnyEvent]) -> None:
    again = simulate_day(config())
    other = simulate_day(config(seed=2))

    assert msgspec.json.encode(again) == msgspec.json.encode(day)
    assert msgspec.json.encode(other) != msgspec.json.encode(day)


def test_slicing_the_run_does_not_change_the_events(day: list[AnyEvent]) -> None:
    sliced = Simulator(config())
    pieces: list[AnyEvent] = []
    for end in range(sliced.start_ms, sliced.start_ms + DAY_MS, 7 * 60_000 + 13):
        pieces += sliced.run_until(end)
    pieces += sliced.run_until(sliced.start_ms + DAY_MS - 1)
    lazily = Simulator(config())

    assert pieces == day
    assert list(lazily.iter_events(lazily.start_ms + DAY_MS - 1, chunk_ms=600_000)) == day


def test_events_are_in_time_order_with_unique_deterministic_ids(day: list[AnyEvent]) -> None:
    times = [event.ms for event in day]
    ids = [event.id for event in day]

    assert times == sorted(times)
    assert len(set(ids)) == len(ids)
    assert ids[:3] == ["sim-1-1", "sim-1-2", "sim-1-3"]
    assert all(event.id.startswith("run7-") for event in simulate_day(config(id_prefix="run7")))


def test_events_are_valid_canonical_events(day: list[AnyEvent]) -> None:
    decoded = msgspec.json.decode(msgspec.json.encode(day), type=list[AnyEvent])

    assert decoded == day
    assert {event_type(e) for e in day} >= {
        "call.queued",
        "call.answered",
        "call.hold",
        "call.resumed",
        "call.ended",
        "call.wrapup_ended",
        "call.abandoned",
        "agent.login",
        "agent.logout",
        "agent.state",
        "deal.closed",
        "csat.submitted",
    }


def test_run_until_the_past_returns_nothing() -> None:
    sim = Simulator(config())
    sim.run_until(sim.start_ms + DAY_MS // 2)

    assert sim.run_until(sim.start_ms) == []
    assert sim.now_ms == sim.start_ms + DAY_MS // 2


# calls and agents


def test_every_call_goes_through_a_valid_sequence(day: list[AnyEvent]) -> None:
    histories = call_histories(day)

    invalid = {c: h for c, h in histories.items() if not COMPLETE_CALL.fullmatch(h)}
    assert len(histories) > 1000
    assert invalid == {}


def test_no_agent_takes_two_calls_or_a_call_on_a_pause(day: list[AnyEvent]) -> None:
    check_agents(day)


def test_calls_go_first_in_first_out_to_the_longest_idle_agent(day: list[AnyEvent]) -> None:
    roster = Simulator(config()).roster()

    assert check_routing(day, roster) > 1000


def test_the_routing_checker_catches_a_newer_call_served_first() -> None:
    roster = Simulator(config()).roster()
    agent = roster.teams[0].agents[0].id
    events: list[AnyEvent] = [
        AgentLogin(id="1", ts=1, agent=agent),
        CallQueued(id="2", ts=2, call_id="old", queue=roster.teams[0].queues[0]),
        CallQueued(id="3", ts=3, call_id="new", queue=roster.teams[0].queues[0]),
        AgentState(id="4", ts=4, agent=agent, state="available"),
        CallAnswered(id="5", ts=4, call_id="new", agent=agent),
    ]

    with pytest.raises(AssertionError, match="before the older"):
        check_routing(events, roster)


def test_the_checker_catches_an_agent_on_break_taking_a_call() -> None:
    events: list[AnyEvent] = [
        AgentLogin(id="1", ts=1, agent="a"),
        AgentState(id="2", ts=2, agent="a", state="break"),
        CallQueued(id="3", ts=3, call_id="c", queue="Sales"),
        CallAnswered(id="4", ts=4, call_id="c", agent="a"),
    ]

    with pytest.raises(AssertionError, match="while on a pause"):
        check_agents(events)


def test_ringing_calls_are_offered_before_they_are_answered() -> None:
    events = simulate_day(config(ringing=True, seed=3))
    histories = call_histories(events)

    assert all(COMPLETE_CALL.fullmatch(h) for h in histories.values())
    assert sum(h.startswith("QRA") for h in histories.values()) > 1000
    check_agents(events)
    assert check_routing(events, Simulator(config(ringing=True, seed=3)).roster()) > 1000


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    teams=st.integers(1, 3),
    agents_per_team=st.integers(1, 5),
    queue_count=st.integers(1, 4),
    ringing=st.booleans(),
    occupancy=st.floats(0.5, 1.0),
    start_hour=st.integers(0, 23),
)
def test_any_small_centre_produces_valid_sequences(
    seed: int,
    teams: int,
    agents_per_team: int,
    queue_count: int,
    ringing: bool,
    occupancy: float,
    start_hour: int,
) -> None:
    cfg = config(
        seed=seed,
        teams=teams,
        agents_per_team=agents_per_team,
        queues=DEFAULT_QUEUES[:queue_count],
        ringing=ringing,
        target_occupancy=occupancy,
        start=MIDNIGHT + timedelta(hours=start_hour),
    )
    sim = Simulator(cfg)
    events = sim.run_until(int((MIDNIGHT + timedelta(days=2)).timestamp() * 1000) - 1)

    assert all(COMPLETE_CALL.fullmatch(h) for h in call_histories(events).values())
    assert [e.ms for e in events] == sorted(e.ms for e in events)
    assert min((e.ms for e in events), default=sim.start_ms) >= sim.start_ms
    check_agents(events)
    check_routing(events, sim.roster())


def test_deals_close_on_sales_calls_when_they_end(day: list[AnyEvent]) -> None:
    queue_of = {e.call_id: e.queue for e in day if isinstance(e, CallQueued)}
    ended_at = {e.call_id: e.ms for e in day if isinstance(e, CallEnded)}
    agent_of = {e.call_id: e.agent for e in day if isinstance(e, CallAnswered)}
    deals = [e for e in day if isinstance(e, DealClosed)]
    sales_handled = sum(1 for call_id in ended_at if queue_of[call_id] == "Sales")

    assert all(d.call_id is not None and queue_of[d.call_id] == "Sales" for d in deals)
    assert all(d.ms == ended_at[d.call_id] and d.agent == agent_of[d.call_id] for d in deals)  # type: ignore[index]
    assert all(d.currency == "EUR" and d.amount > 0 for d in deals)
    assert 0.15 < len(deals) / sales_handled < 0.30
    assert 250 < sorted(d.amount for d in deals)[len(deals) // 2] < 800


def test_surveys_follow_some_calls_and_lean_to_good_scores(day: list[AnyEvent]) -> None:
    ended_at = {e.call_id: e.ms for e in day if isinstance(e, CallEnded)}
    surveys = [e for e in day if isinstance(e, CsatSubmitted)]
    scores = Counter(s.score for s in surveys)

    assert all(s.ms > ended_at[s.call_id] for s in surveys)  # type: ignore[index]
    assert 0.1 < len(surveys) / len(ended_at) < 0.35
    assert (scores[4] + scores[5]) / len(surveys) > 0.7
    assert 3.8 < sum(s.score for s in surveys) / len(surveys) < 4.6
    assert scores[1] > 0


# plausible KPIs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_default_service_level_and_abandonment_are_plausible(seed: int) -> None:
    cfg = config(seed=seed)

    service_level, abandonment = service_level_and_abandonment(simulate_day(cfg), cfg)

    assert 0.65 < service_level < 0.97
    assert 0.01 < abandonment < 0.10


def test_more_agents_for_the_same_calls_answer_faster() -> None:
    cfg = config()
    peak = Simulator(cfg).peak_calls_per_hour
    overstaffed = config(agents_per_team=20, peak_calls_per_hour=peak)

    service_level, _ = service_level_and_abandonment(simulate_day(cfg), cfg)
    better, _ = service_level_and_abandonment(simulate_day(overstaffed), overstaffed)

    assert better > service_level + 0.05


def test_arrivals_follow_the_intraday_curve(day: list[AnyEvent]) -> None:
    by_hour = Counter(local_hour(e) for e in day if isinstance(e, CallQueued))

    assert set(by_hour) == set(range(8, 20))
    assert by_hour[15] > 2.5 * by_hour[8]
    assert by_hour[11] > 2 * by_hour[8]
    assert by_hour[13] < by_hour[15]
    assert by_hour[19] < by_hour[15] / 3


def test_the_arrival_rate_is_the_configured_peak() -> None:
    cfg = config(peak_calls_per_hour=600, curve=((8.0, 1.0), (20.0, 1.0)), agents_per_team=40)

    calls = sum(isinstance(e, CallQueued) for e in simulate_day(cfg))

    assert 12 * 600 * 0.95 < calls < 12 * 600 * 1.05


# the agents' day


def test_agents_log_in_around_shift_start_some_late_a_few_absent() -> None:
    cfg = config(late_probability=0.3, absent_probability=0.1, agents_per_team=25)
    sim = Simulator(cfg)
    events = sim.run_until(sim.start_ms + DAY_MS - 1)
    shifts = {
        a.id: datetime.combine(MIDNIGHT.date(), a.shift_start, tzinfo=BERLIN)
        for a in sim.roster().agents
    }
    lateness_min = [
        (e.ms / 1000 - shifts[e.agent].timestamp()) / 60
        for e in events
        if isinstance(e, AgentLogin)
    ]
    logouts = Counter(e.agent for e in events if isinstance(e, AgentLogout))
    late = [m for m in lateness_min if m > 0]

    assert all(-4 <= m <= 12 for m in lateness_min)
    assert 0.15 < len(late) / len(lateness_min) < 0.45
    assert 0.03 < 1 - len(lateness_min) / len(shifts) < 0.2
    assert set(logouts.values()) == {1}
    assert len(logouts) == len(lateness_min)


def test_agents_take_two_breaks_and_lunch(day: list[AnyEvent]) -> None:
    started: dict[str, tuple[str, int]] = {}
    durations: dict[str, list[float]] = defaultdict(list)
    per_agent: Counter[tuple[str, str]] = Counter()
    for event in day:
        if isinstance(event, AgentState | AgentLogout) and event.agent in started:
            state, since = started.pop(event.agent)
            durations[state].append((event.ms - since) / 60_000)
        if isinstance(event, AgentState) and event.state != "available":
            started[event.agent] = (event.state, event.ms)
            per_agent[event.state, event.agent] += 1

    assert set(durations) == {"break", "lunch"}
    assert all(15 <= m <= 18 for m in durations["break"])
    assert all(30 <= m <= 63 for m in durations["lunch"])
    logged_in = {e.agent for e in day if isinstance(e, AgentLogin)}
    assert len(logged_in) > 40
    assert all(per_agent["break", agent] == 2 for agent in logged_in)
    assert all(per_agent["lunch", agent] == 1 for agent in logged_in)


def test_a_start_during_the_day_logs_in_the_agents_on_shift() -> None:
    start = datetime(2024, 3, 5, 13, 0, tzinfo=BERLIN)
    sim = Simulator(config(start=start))
    on_shift = {
        a.id
        for a in sim.roster().agents
        if a.shift_start <= start.time()
        and start
        < datetime.combine(start.date(), a.shift_start, tzinfo=BERLIN)
        + timedelta(minutes=a.shift_minutes)
    }

    events = sim.run_until(sim.start_ms)

    logins = {e.agent for e in events if isinstance(e, AgentLogin)}
    assert all(e.ms == sim.start_ms for e in events)
    assert logins <= on_shift
    assert len(logins) >= 0.8 * len(on_shift)


def test_days_follow_each_other_across_a_daylight_saving_change() -> None:
    sim = Simulator(config(start=datetime(2024, 3, 30, tzinfo=BERLIN)))

    events = sim.run_until(sim.start_ms + 3 * DAY_MS)

    first_by_day: dict[date, CallQueued] = {}
    for e in events:
        if isinstance(e, CallQueued):
            first_by_day.setdefault(datetime.fromtimestamp(e.ms / 1000, BERLIN).date(), e)
    logins_by_day = Counter(
        datetime.fromtimestamp(e.ms / 1000, BERLIN).day for e in events if isinstance(e, AgentLogin)
    )
    assert len(first_by_day) == 3
    assert all(datetime.fromtimestamp(e.ms / 1000, BERLIN).hour == 8 for e in first_by_day.values())
    assert all(n > 40 for n in logins_by_day.values())
    assert all(COMPLETE_CALL.fullmatch(h) for h in call_histories(events).values())
    check_agents(events)


def test_a_centre_open_around_the_clock() -> None:
    cfg = config(curve=((0.0, 1.0), (24.0, 1.0)), teams=3)
    events = simulate_day(cfg)
    by_hour = Counter(
        datetime.fromtimestamp(e.ms / 1000, BERLIN).hour
        for e in events
        if isinstance(e, CallQueued)
    )

    assert set(by_hour) == set(range(24))
    check_agents(events)


# roster and configuration


def test_roster_lists_teams_agents_and_queue_settings() -> None:
    roster = Simulator(config(teams=5, agents_per_team=3)).roster()
    agents = roster.agents

    assert [t.name for t in roster.teams] == ["North", "South", "East", "West", "Central"]
    assert len(agents) == 15
    assert len({a.id for a in agents}) == 15
    assert len({a.name for a in agents}) == 15
    assert agents[0].id == "north-001"
    assert all(re.fullmatch(r"[A-Z][a-z]+ [A-Z][A-Za-z ]+", a.name) for a in agents)
    assert [(q.name, q.sl_threshold_s, q.short_abandon_s, q.wrapup_s) for q in roster.queues] == [
        ("Sales", 20, 5, None),
        ("Support", 20, 5, None),
        ("Billing", 30, 5, None),
        ("Retention", 30, 5, None),
    ]
    assert all(q.teams for q in roster.queues)
    assert all(t.queues for t in roster.teams)
    assert roster.time_zone == "Europe/Berlin"


def test_shifts_cover_opening_hours_and_lean_to_the_busy_hours() -> None:
    agents = Simulator(config(agents_per_team=25)).roster().agents
    starts = Counter(a.shift_start.hour * 60 + a.shift_start.minute for a in agents)

    assert min(starts) == 8 * 60
    assert max(starts) == 20 * 60 - 510
    assert all(a.shift_minutes == 510 for a in agents)


def test_queues_without_wrapup_end_the_wrapup_with_the_call() -> None:
    quick = QueueProfile(name="Hotline", share=1, talk_median_s=60, wrapup_median_s=0)
    events = simulate_day(config(queues=(quick,)))
    ended = {e.call_id: e.ms for e in events if isinstance(e, CallEnded)}

    wrapups = [e for e in events if isinstance(e, CallWrapupEnded)]
    assert wrapups
    assert all(e.ms == ended[e.call_id] for e in wrapups)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": datetime(2024, 3, 5)}, "timezone-aware"),
        ({"time_zone": "Mars/Olympus"}, "IANA"),
        ({"teams": 0}, "at least 1"),
        ({"queues": ()}, "at least one queue"),
        ({"curve": ((9.0, 1.0), (8.0, 1.0))}, "increasing hours"),
        ({"late_probability": 1.5}, "probability"),
        ({"currency": "euro"}, "ISO 4217"),
    ],
)
def test_invalid_configs_are_refused_with_a_reason(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        config(**changes)


# live playback


class SteppingClock:
    """Epoch seconds that advance by `step` every time they are read."""

    def __init__(self, start: float, step: float) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


async def test_live_stream_never_yields_an_event_from_the_future() -> None:
    clock = SteppingClock(MIDNIGHT.timestamp() + 9 * 3600, step=7.3)
    sim = Simulator(config(start=MIDNIGHT + timedelta(hours=9)))
    last_ms = 0
    batches = 0

    async for batch in stream_live(sim, 20, clock, tick_s=0.001, until_ms=sim.start_ms + 3_600_000):
        assert batch
        assert all(last_ms <= e.ms <= clock.now * 1000 for e in batch)
        assert [e.ms for e in batch] == sorted(e.ms for e in batch)
        last_ms = batch[-1].ms
        batches += 1

    assert batches > 10
    assert sim.now_ms == sim.start_ms + 3_600_000


async def test_live_stream_plays_the_same_traffic_faster() -> None:
    cfg = config(start=MIDNIGHT + timedelta(hours=10))
    clock = SteppingClock(cfg.start.timestamp(), step=1.0)
    sim = Simulator(cfg)
    until = sim.start_ms + 1_800_000
    wall_start_ms = (cfg.start.timestamp() + 1.0) * 1000
    expected = Simulator(cfg).run_until(until)

    played = [
        e
        async for batch in stream_live(sim, 10, clock, tick_s=0.001, until_ms=until)
        for e in batch
    ]

    assert [e.id for e in played] == [e.id for e in expected]
    assert all(
        abs(p.ms - (wall_start_ms + (e.ms - sim.start_ms) / 10)) <= 1
        for p, e in zip(played, expected, strict=True)
    )


async def test_live_stream_at_real_speed_keeps_the_event_times() -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    clock = SteppingClock(start.timestamp() - 0.5, step=0.5)
    sim = Simulator(config(start=start, curve=((0.0, 1.0), (24.0, 1.0)), peak_calls_per_hour=3600))
    expected = Simulator(sim.config).run_until(sim.start_ms + 60_000)

    played = [
        e
        async for batch in stream_live(sim, 1, clock, tick_s=0.001, until_ms=sim.start_ms + 60_000)
        for e in batch
    ]

    assert played == expected


async def test_live_stream_is_cancellable_and_does_not_swallow_the_cancellation() -> None:
    sim = Simulator(config(start=datetime.now(UTC), curve=((0.0, 1.0), (24.0, 1.0))))
    received: list[list[AnyEvent]] = []

    async def consume() -> None:
        async for batch in stream_live(sim, 600, wall_time.time, tick_s=0.01):
            received.append(batch)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.3)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert received
    assert all(e.ms <= wall_time.time() * 1000 for batch in received for e in batch)


async def test_live_stream_refuses_a_speed_that_is_not_positive() -> None:
    sim = Simulator(config())

    with pytest.raises(ValueError, match="speed"):
        await anext(stream_live(sim, 0, wall_time.time))
