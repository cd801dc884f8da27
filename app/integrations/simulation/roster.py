"""Who works in the simulated centre: teams, agents with names and shifts, queues and routing."""

from __future__ import annotations

import random
from datetime import time
from typing import Final

import msgspec

from app.integrations.simulation.config import TEAM_NAMES, SimConfig
from app.integrations.simulation.schedule import agent_shift_starts

FIRST_NAMES: Final = (
    "Aisha", "Alejandro", "Amelia", "Ana", "Andrei", "Ayumi", "Ben", "Carla", "Chen", "Chloe",
    "Daniel", "David", "Elena", "Emeka", "Emma", "Fatima", "Felix", "Grace", "Hannah", "Hiroshi",
    "Ibrahim", "Ines", "Isabel", "Jakub", "James", "Javier", "Jonas", "Julia", "Kwame", "Laura",
    "Leila", "Liam", "Lucas", "Lucia", "Maria", "Marta", "Mateo", "Mei", "Mohammed", "Nadia",
    "Nina", "Noah", "Olga", "Omar", "Oscar", "Paula", "Priya", "Rafael", "Rahul", "Rosa",
    "Samuel", "Sara", "Sofia", "Sven", "Tariq", "Thomas", "Tomasz", "Valentina", "Wei", "Yara",
    "Yusuf", "Zainab", "Zoe", "Anders",
)  # fmt: skip
LAST_NAMES: Final = (
    "Adeyemi", "Ahmed", "Andersen", "Bauer", "Becker", "Bianchi", "Brown", "Costa", "Da Silva",
    "Dubois", "Fischer", "Garcia", "Gonzalez", "Hansen", "Hoffmann", "Ivanova", "Jansen", "Jones",
    "Kaya", "Khan", "Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Lopez", "Martin", "Meyer",
    "Moreau", "Muller", "Nguyen", "Novak", "Okafor", "Olsen", "Patel", "Perez", "Petrov", "Popescu",
    "Rossi", "Russo", "Santos", "Schmidt", "Schneider", "Silva", "Singh", "Smith", "Suzuki",
    "Tanaka", "Taylor", "Tremblay", "Van Dijk", "Wagner", "Wang", "Weber", "Williams", "Wilson",
    "Wojcik", "Yilmaz", "Zhang", "Zimmermann", "Haddad", "Mensah", "Rahman", "Sato",
)  # fmt: skip


class RosterAgent(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    team: str
    shift_start: time
    """Local wall-clock time the agent's shift starts every day (lateness is measured from it)."""
    shift_minutes: int


class RosterTeam(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    queues: tuple[str, ...]
    """The queues this team's agents take calls from."""
    agents: tuple[RosterAgent, ...]


class RosterQueue(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    sl_threshold_s: int
    short_abandon_s: int
    wrapup_s: float | None
    """The queue's wrap-up limit: None when agents do after-call work (the simulator sends
    `call.wrapup_ended` after `call.ended`), 0 when they do none."""
    wrapup_median_s: float
    teams: tuple[str, ...]


class Roster(msgspec.Struct, frozen=True, kw_only=True):
    """What to create in the database before the simulated events arrive."""

    time_zone: str
    teams: tuple[RosterTeam, ...]
    queues: tuple[RosterQueue, ...]

    @property
    def agents(self) -> tuple[RosterAgent, ...]:
        return tuple(agent for team in self.teams for agent in team.agents)


def team_names(count: int) -> list[str]:
    return [TEAM_NAMES[i] if i < len(TEAM_NAMES) else f"Team {i + 1}" for i in range(count)]


def serving_teams(team_count: int, queue_count: int) -> list[list[int]]:
    """Default skills: team k takes queues k and k+1 (a ring), so each queue has two teams of
    overflow and every team and every queue takes part whatever the counts."""
    served: list[set[int]] = [set() for _ in range(queue_count)]
    for k in range(max(team_count, queue_count)):
        served[k % queue_count].add(k % team_count)
        served[(k + 1) % queue_count].add(k % team_count)
    return [sorted(teams) for teams in served]


def _display_names(count: int, rng: random.Random) -> list[str]:
    combos = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    if count <= len(combos):
        return rng.sample(combos, count)
    return [rng.choice(combos) for _ in range(count)]


def build_roster(config: SimConfig) -> Roster:
    teams = team_names(config.teams)
    served = serving_teams(config.teams, len(config.queues))
    starts = agent_shift_starts(config)
    names = iter(_display_names(config.teams * config.agents_per_team, random.Random(config.seed)))
    shift_minutes = round(config.shift_hours * 60)
    roster_teams = []
    for t, team in enumerate(teams):
        slug = team.lower().replace(" ", "")
        agents = tuple(
            RosterAgent(
                id=f"{slug}-{a + 1:03d}",
                name=next(names),
                team=team,
                shift_start=_hour_to_time(starts[t][a]),
                shift_minutes=shift_minutes,
            )
            for a in range(config.agents_per_team)
        )
        queues = tuple(
            q.name for q, teams_of_q in zip(config.queues, served, strict=True) if t in teams_of_q
        )
        roster_teams.append(RosterTeam(name=team, queues=queues, agents=agents))
    roster_queues = tuple(
        RosterQueue(
            name=q.name,
            sl_threshold_s=q.sl_threshold_s,
            short_abandon_s=q.short_abandon_s,
            wrapup_s=None if q.wrapup_median_s > 0 else 0,
            wrapup_median_s=q.wrapup_median_s,
            teams=tuple(teams[t] for t in teams_of_q),
        )
        for q, teams_of_q in zip(config.queues, served, strict=True)
    )
    return Roster(time_zone=config.time_zone, teams=tuple(roster_teams), queues=roster_queues)


def _hour_to_time(hour: float) -> time:
    minutes = round(hour * 60)
    return time(hour=minutes // 60 % 24, minute=minutes % 60)
