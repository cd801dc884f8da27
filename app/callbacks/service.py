"""Who sees which number on the call-back list, and the list as pages.

Numbers are personal data. Supervisors, admins and API keys (integrations, such as a dialler
working the list) see them whole; a team lead sees whole the numbers of the queues its teams
serve (the teams of the agents who took or were offered calls of that queue) and masked ones
elsewhere; agents, displays and display links see them masked. One rule (`number_view`) decides
for the API and for the WebSocket topics alike: a wall signed in as a display, or opened by a
display link, gets masked numbers; a supervisor's own screen gets them whole.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Final

import msgspec

from app.auth.principal import Principal
from app.auth.roles import STAFF_ROLES
from app.callbacks.schemas import CallbackOut, CallbackPage
from app.core.errors import BadRequest
from app.events.caller_numbers import mask

CURSOR: Final = re.compile(r"(\d{1,16})\.(\d{1,16})")
STATUSES: Final = ("open", "returned_by_us", "called_again", "expired", "dismissed")


class Row(msgspec.Struct, frozen=True):
    """One entry as the engine serves it (`TenantAggregator.callback_rows`)."""

    id: int
    number: str
    queue: str | None
    first_missed: int
    last_missed: int
    misses: int
    attempts: int
    status: str
    closed_at: int
    reason: str | None
    callback_ms: int | None
    teams: list[str] = []

    @property
    def key(self) -> tuple[int, int]:
        return self.first_missed, self.id


def rows_of(raw: list[dict[str, object]]) -> list[Row]:
    return msgspec.convert(raw, list[Row])


@dataclass(frozen=True, slots=True)
class NumberView:
    """Which numbers a caller sees whole: all (`every`), those of the queues that `teams`
    serve, or none. Hashable: the WebSocket hub keeps one state of a topic per view, shared
    by every connection with that view."""

    every: bool = False
    teams: frozenset[str] = frozenset()

    def whole(self, row: Row) -> bool:
        return self.every or not self.teams.isdisjoint(row.teams)


MASKED: Final = NumberView()
WHOLE: Final = NumberView(every=True)


def number_view(principal: Principal) -> NumberView:
    """API keys and admins see every number; supervisors and team leads those of the queues
    their teams serve (by their access, so a supervisor limited to some teams is too); agents,
    displays and display links none."""
    if principal.role is None or principal.is_admin:
        return WHOLE
    access = principal.access
    if principal.role not in STAFF_ROLES:
        return MASKED
    if access.all_teams:
        return WHOLE
    if access.only_agent is not None or not access.teams:
        return MASKED
    return NumberView(teams=access.teams)


def sees_whole(principal: Principal, row: Row) -> bool:
    return number_view(principal).whole(row)


def may_dismiss(principal: Principal, row: Row) -> bool:
    """Staff who see the entry's number whole."""
    return principal.role in STAFF_ROLES and sees_whole(principal, row)


def entry_out(row: Row, whole: bool) -> CallbackOut:
    return CallbackOut(
        id=row.id,
        number=row.number if whole else mask(row.number),
        masked=not whole,
        queue=row.queue,
        status=row.status,
        first_missed_ms=row.first_missed,
        last_missed_ms=row.last_missed,
        misses=row.misses,
        attempts=row.attempts,
        closed_ms=None if row.status == "open" else row.closed_at,
        reason=row.reason,
        time_to_callback_s=row.callback_ms / 1000 if row.callback_ms is not None else None,
    )


def parse_cursor(cursor: str | None) -> tuple[int, int] | None:
    if cursor is None:
        return None
    found = CURSOR.fullmatch(cursor)
    if found is None:
        raise BadRequest("cursor: expected the `next_cursor` of a previous page")
    return int(found.group(1)), int(found.group(2))


def page(
    principal: Principal,
    at_ms: int,
    rows: list[Row],
    *,
    status: str,
    queue: str | None,
    limit: int,
    cursor: str | None,
) -> CallbackPage:
    """Rows (oldest first miss first) of `queue` with `status` (`all`: every status), after
    `cursor`, at most `limit`, each number whole or masked for `principal`."""
    after = parse_cursor(cursor)
    in_queue = [r for r in rows if queue is None or r.queue == queue]
    counts = Counter(r.status for r in in_queue)
    chosen = sorted(
        (r for r in in_queue if status == "all" or r.status == status), key=lambda r: r.key
    )
    if after is not None:
        chosen = [r for r in chosen if r.key > after]
    shown = chosen[:limit]
    more = len(chosen) > limit
    return CallbackPage(
        at_ms=at_ms,
        counts={s: counts.get(s, 0) for s in STATUSES},
        items=[entry_out(r, sees_whole(principal, r)) for r in shown],
        next_cursor="{}.{}".format(*shown[-1].key) if more else None,
    )


def wall_row(row: Row, whole: bool = False) -> dict[str, object]:
    """A row for the WebSocket topics: the number whole or masked, no team list, no dismissal
    reason."""
    out = msgspec.structs.asdict(row)
    del out["teams"]
    out.pop("reason", None)  # free text a supervisor typed: staff read it from the API
    if not whole:
        out["number"] = mask(row.number)
    return out
