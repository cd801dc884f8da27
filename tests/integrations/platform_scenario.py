"""One call-centre scenario written in each platform's own format, and how to compare them.

The scenario (2024-03-04, UTC): agents A and B log in at 09:00:00 and 09:00:30 and become
available; call 1 queues in Support at 09:01:00, rings A at 09:01:05, is answered at 09:01:08,
held from 09:02:00 to 09:02:30, ends at 09:04:00 and A's wrap-up ends at 09:04:30 (30 s); call 2
queues at 09:05:00 and the caller hangs up at 09:05:40; B takes a break from 09:06:00 to
09:20:00; A logs out at 09:30:00.

The samples are written as each platform emits them (`samples/connect_scenario_*`,
`twilio_scenario_callbacks.txt`, `freeswitch_scenario_events.json`). Platforms name agents,
calls and queues differently, so `normalise` replaces ids by roles in order of appearance
(`agent1`, `call1`, ...) and keeps what the metrics depend on: type, roles, time, agent state
and exit reason. A platform that cannot say "login" (stock mod_callcenter only reports the new
status) is read the way the aggregator should read it: a state event from a logged-out agent is
an implicit login, a second login is no news, a logout of a logged-out agent is no news.
`scenario_events` gives the raw canonical events of each platform, for running the scenario
through the aggregator.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

from app.events.schemas import AnyEvent, event_type
from app.integrations.common import ParseResult
from app.integrations.connect import parse_agent_events, parse_contact_records
from app.integrations.freeswitch import parse_callcenter_events
from app.integrations.twilio import parse_form, taskrouter_callbacks_to_events
from tests.integrations.golden import SAMPLES

Platform = Literal["connect", "twilio", "freeswitch"]
PLATFORMS: Final[tuple[Platform, ...]] = ("connect", "twilio", "freeswitch")
WRAPUP_SECONDS: Final = 30

Step = tuple[int, str, str | None, str | None, str | None]

TYPE_ORDER: Final = {
    name: position
    for position, name in enumerate(
        [
            "agent.logout",
            "agent.login",
            "agent.state",
            "call.queued",
            "call.ringing",
            "call.answered",
            "call.hold",
            "call.resumed",
            "call.ended",
            "call.wrapup_ended",
            "call.abandoned",
            "call.left_queue",
        ]
    )
}


def scenario_result(platform: Platform) -> ParseResult:
    """The adapter output for the scenario as `platform` writes it."""
    if platform == "connect":
        result = ParseResult()
        result.extend(
            parse_agent_events((SAMPLES / "connect_scenario_agent_events.json").read_bytes())
        )
        result.extend(parse_contact_records((SAMPLES / "connect_scenario_ctr.json").read_bytes()))
        return result
    if platform == "twilio":
        lines = (SAMPLES / "twilio_scenario_callbacks.txt").read_bytes().splitlines()
        return taskrouter_callbacks_to_events(parse_form(line) for line in lines)
    body = (SAMPLES / "freeswitch_scenario_events.json").read_bytes()
    return parse_callcenter_events(body, wrapup_seconds=WRAPUP_SECONDS)


def scenario_events(platform: Platform) -> list[AnyEvent]:
    return scenario_result(platform).events


def normalise(events: Iterable[AnyEvent]) -> list[Step]:
    """(ts, type, call role, agent role, state or reason), in time order, logins made explicit."""
    calls: dict[str, str] = {}
    agents: dict[str, str] = {}
    logged_in: set[str] = set()
    steps: list[Step] = []
    ordered = sorted(events, key=lambda e: (e.ms, TYPE_ORDER.get(event_type(e), len(TYPE_ORDER))))
    for event in ordered:
        kind = event_type(event)
        agent: str = getattr(event, "agent", None) or ""
        call: str = getattr(event, "call_id", None) or ""
        agent_role = agents.setdefault(agent, f"agent{len(agents) + 1}") if agent else None
        call_role = calls.setdefault(call, f"call{len(calls) + 1}") if call else None
        if kind == "agent.login":
            if agent in logged_in:
                continue
            logged_in.add(agent)
        elif kind == "agent.logout":
            if agent not in logged_in:
                continue
            logged_in.discard(agent)
        elif kind == "agent.state" and agent not in logged_in:
            steps.append((event.ms, "agent.login", None, agent_role, None))
            logged_in.add(agent)
        detail = None
        if kind == "agent.state":
            detail = getattr(event, "state", None)
        elif kind == "call.left_queue":
            detail = getattr(event, "reason", None)
        steps.append((event.ms, kind, call_role, agent_role, detail))
    return steps
