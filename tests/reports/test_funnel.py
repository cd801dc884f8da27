"""The funnel (app/reports/funnel.py) against an independent walk of each deal's path, and the
funnel report over the real app (JSON and CSV) against the events it was fed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.schemas import DealCreated, DealStageChanged, DealWon
from app.reports.funnel import build_funnel, flow_order
from tests.conftest import RunningApp
from tests.helpers import eventually, make_tenant_key
from tests.reports.support import ingest, simulated_day
from tests.reports.test_pipeline_report import DAY, TZ, pipeline_day

STAGES = ("a", "b", "c", "won")
fact = st.tuples(
    st.sampled_from(("created", "stage", "won", "lost")),
    st.sampled_from(("d1", "d2", "d3", "d4", "d5")),
    st.sampled_from(STAGES[:3]),
    st.integers(0, 50),
)


def walk(path: Sequence[str], steps: Sequence[str]) -> int:
    """How many steps of the funnel a path reaches in order."""
    reached = 0
    for stage in path:
        if reached < len(steps) and stage == steps[reached]:
            reached += 1
    return reached


@settings(max_examples=300, deadline=None)
@given(st.lists(fact, max_size=30), st.permutations(STAGES))
def test_funnel_counts_follow_their_definitions(
    facts: list[tuple[str, str, str, int]], order: list[str]
) -> None:
    funnel = build_funnel("p", facts, order)
    created = {deal for kind, deal, _, _ in facts if kind == "created"}
    paths: dict[str, list[tuple[int, str]]] = {}
    for kind, deal, stage, ms in facts:
        if kind in ("created", "stage", "won"):
            paths.setdefault(deal, []).append((ms, "won" if kind == "won" else stage))
    # equal times: in the order given (the order the facts were counted in)
    ordered = {deal: [s for _, s in sorted(p, key=lambda e: e[0])] for deal, p in paths.items()}
    assert funnel.created == len(created)
    assert [s.stage for s in funnel.steps] == order
    for k, step in enumerate(funnel.steps):
        assert step.in_order == sum(1 for d in created if walk(ordered[d], order) > k)
        assert step.any_path == sum(1 for p in ordered.values() if order[k] in p)
        want = step.in_order / len(created) if created else None
        assert step.in_order_cumulative == want
        if k + 1 < len(order):
            nxt = funnel.steps[k + 1]
            assert step.in_order_next == (nxt.in_order / step.in_order if step.in_order else None)
            assert nxt.in_order <= step.in_order
        else:
            assert step.in_order_next is None
            assert step.any_path_next is None


def test_default_order_is_by_deals_entered_then_won() -> None:
    facts = [
        ("created", "d1", "new", 1),
        ("created", "d2", "new", 1),
        ("stage", "d1", "offer", 2),
        ("stage", "d2", "offer", 2),
        ("stage", "d1", "demo", 3),
        ("won", "d1", "demo", 4),
    ]
    funnel = build_funnel("p", facts)
    assert [s.stage for s in funnel.steps] == ["new", "offer", "demo", "won"]
    assert [s.in_order for s in funnel.steps] == [2, 2, 1, 1]


async def test_funnel_report_over_http(event_app: RunningApp) -> None:
    url = event_app.settings.database_url
    _, key = await make_tenant_key(url, timezone=TZ)
    agents = [a.id for a in simulated_day(DAY, TZ, teams=1, agents_per_team=3, seed=3)
              .roster().agents]  # fmt: skip
    events = pipeline_day(agents, seed=5)
    await ingest(event_app, key, events)
    steps = ["new", "qualified", "offer", "won"]

    created = {e.deal_id for e in events if isinstance(e, DealCreated) and e.pipeline == "b2b"}
    paths: dict[str, list[str]] = {d: ["new"] for d in created}
    for e in events:
        if isinstance(e, DealStageChanged) and e.deal_id in created:
            paths[e.deal_id].append(e.stage)
        elif isinstance(e, DealWon) and e.deal_id in created:
            paths[e.deal_id].append("won")
    want = [sum(1 for p in paths.values() if walk(p, steps) > k) for k in range(len(steps))]
    assert want[0] > want[-1] > 0

    params = {"pipeline": "b2b", "from": DAY.isoformat(), "to": DAY.isoformat(),
              "stages": steps}  # fmt: skip
    async with event_app.client(key) as client:

        async def complete() -> bool:
            body = (await client.get("/v1/reports/funnel", params=params)).json()
            return bool([s["in_order"] for s in body["steps"]] == want)

        await eventually(complete, timeout=60, interval=0.5)
        body = (await client.get("/v1/reports/funnel", params=params)).json()
        csv = await client.get("/v1/reports/funnel", params={**params, "format": "csv"})
        repeated = await client.get(
            "/v1/reports/funnel", params={**params, "stages": ["new", "new"]}
        )
        backwards = await client.get(
            "/v1/reports/funnel", params={**params, "from": "2024-05-15", "to": "2024-05-14"}
        )
    assert body["created"] == len(created)
    assert body["steps"][0]["in_order_cumulative"] == want[0] / len(created)
    assert body["steps"][0]["in_order_next"] == want[1] / want[0]
    lines = csv.text.splitlines()
    assert lines[0].split(",")[:3] == ["stage", "in_order", "any_path"]
    assert lines[1].startswith(f"created,{len(created)},")
    assert [line.split(",")[0] for line in lines[2:]] == steps
    assert repeated.status_code == 400
    assert backwards.status_code == 400
    assert date.fromisoformat(body["from"]) == DAY


def test_the_live_order_follows_the_deals_way_through_the_stages() -> None:
    """More deals in `proposal` than in `qualified` (some skipped it) does not put proposal
    first, as the report's default order would."""
    facts = [
        ("created", "d1", "new", 1),
        ("stage", "d1", "qualified", 2),
        ("stage", "d1", "proposal", 3),
        ("won", "d1", "proposal", 4),
        ("created", "d2", "new", 1),
        ("stage", "d2", "proposal", 2),
        ("stage", "d3", "proposal", 2),  # created before the period
        ("stage", "d4", "qualified", 5),
        ("stage", "d4", "proposal", 6),
    ]
    assert flow_order(facts) == ["new", "qualified", "proposal", "won"]
    assert [s.stage for s in build_funnel("p", facts).steps][:2] == ["proposal", "new"]
    assert flow_order([]) == ["won"]


def test_facts_of_one_moment_keep_the_order_they_were_counted_in() -> None:
    """A batch of events shares the aggregator's time: a deal created and moved on in one
    batch went `new` then `qualified`, whatever the names' alphabetical order."""
    facts = [
        ("created", "d1", "new", 7),
        ("stage", "d1", "qualified", 7),
        ("stage", "d1", "demo", 7),
        ("won", "d1", "demo", 7),
        ("created", "d2", "new", 7),
        ("stage", "d2", "qualified", 7),
    ]
    order = flow_order(facts)
    assert order == ["new", "qualified", "demo", "won"]
    assert [s.in_order for s in build_funnel("p", facts, order).steps] == [2, 2, 1, 1]


def test_a_stage_few_deals_reach_stays_where_they_reach_it() -> None:
    """Many deals stop at `qualified`, one goes on to `negotiation`: how often a stage comes
    last in a path does not move it (the demo's morning)."""
    paths = [["new", "qualified"]] * 6 + [["new", "qualified", "proposal"]] * 3
    paths += [["new", "qualified", "proposal", "negotiation"], ["new"], ["new"]]
    facts = [
        ("created" if k == 0 else "stage", f"d{n}", stage, 10 * n + k)
        for n, path in enumerate(paths)
        for k, stage in enumerate(path)
    ]
    assert flow_order(facts) == ["new", "qualified", "proposal", "negotiation", "won"]
