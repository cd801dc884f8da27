"""A seeded call-centre simulator that emits canonical events (`floorwatch simulate`)."""

from app.integrations.simulation.config import (
    DEFAULT_CURVE,
    DEFAULT_QUEUES,
    Callbacks,
    QueueProfile,
    SimConfig,
    Surge,
)
from app.integrations.simulation.engine import Simulator
from app.integrations.simulation.live import stream_live
from app.integrations.simulation.roster import Roster, RosterAgent, RosterQueue, RosterTeam

__all__ = [
    "DEFAULT_CURVE",
    "DEFAULT_QUEUES",
    "Callbacks",
    "QueueProfile",
    "Roster",
    "RosterAgent",
    "RosterQueue",
    "RosterTeam",
    "SimConfig",
    "Simulator",
    "Surge",
    "stream_live",
]
