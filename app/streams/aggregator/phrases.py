"""Phrase spotting in the aggregator: transcript segments matched against the tenant's phrase
lists, per-call matching state, and the ledgers of the phrase metrics (docs/phrases.md).

Attribution. A segment counts at its aggregator time for the tenant, the call's queue, and the
agent (the event's `agent`, else the call's agent) with the agent's team. `phrase_hits:LIST`
counts every hit; `calls_with:LIST` a call once, at its first hit of the list; `banned_calls` a
call once, at its first hit of any `banned` list. Script adherence is decided when the call is
handled (where `handled` counts it): a handled call with at least one final segment counts in
the denominator, and in the numerator of each `required` list whose every phrase was said by
the list's role within its `within_s`.

Per-call state is kept while the call may still send segments: `max_call_age_s` after its first
segment, or `finished_call_retention_s` after it was handled (late segments then still count as
hits, never again as a call). An entry past that is treated as absent wherever it is read, so
the state does not depend on when stale entries are swept (at period boundaries).

Reports. Every segment that counted and every settled call also becomes `PhraseFact`s, one per
phrase list it added to and one (`list_name` '') for the sums of no list, with the same scopes
and time as the ledgers above, so that a finished day's report equals the live `today`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Final

import msgspec

from app.events.schemas import CallTranscript
from app.registry.metrics import ratio
from app.streams.aggregator.catalog import ROLLING_MS, Metrics
from app.streams.aggregator.facts import PhraseFact
from app.streams.aggregator.ledgers import Counters, field, unpack
from app.streams.aggregator.phrase_lists import BANNED, REQUIRED, PhraseBook, PhraseListConfig

if TYPE_CHECKING:
    from app.streams.aggregator.base import TenantState
    from app.streams.aggregator.config import TenantConfig
    from app.streams.aggregator.records import Call

HITS: Final = field(0)
CALLS_WITH: Final = field(1)
ADHERENT: Final = field(2)
LIST_FIELDS: Final = 3
TRANSCRIBED: Final = field(0)
BANNED_CALLS: Final = field(1)
WITH_SENTIMENT: Final = field(2)
NEGATIVE: Final = field(3)
GENERAL_FIELDS: Final = 4
RECENT_HITS: Final = 50
"""Hits kept for the wall's `latest hits` (newest last)."""

PHRASE_HITS: Final = "phrase_hits:"
CALLS_WITH_PREFIX: Final = "calls_with:"
ADHERENCE_PREFIX: Final = "script_adherence:"


class CallPhrases(msgspec.Struct, array_like=True):
    """Matching state of one call. `start_ms` is the event time offsets count from when a
    segment has no `offset_ms`; `said` holds, per `required` list, the keys of the phrases
    said in time; `lists` the lists hit at least once; `done_at` when it was handled (-1: not
    yet)."""

    call_id: str
    first: int
    start_ms: int
    said: dict[str, list[str]] = {}
    lists: list[str] = []
    banned: bool = False
    done_at: int = -1


class HitRecord(msgspec.Struct, array_like=True, frozen=True):
    """A hit for the wall and the alerts: `text` is the segment, only when the tenant keeps
    matching segments."""

    seq: int
    at: int  # aggregator time
    call_id: str
    agent: str | None
    team: str | None
    queue: str | None
    list: str
    kind: str
    phrase: str
    role: str
    text: str | None = None


class PhraseScope:
    __slots__ = ("general", "lists")

    def __init__(self) -> None:
        self.general = Counters()
        self.lists: dict[str, Counters] = {}

    def list_ledger(self, name: str) -> Counters:
        led = self.lists.get(name)
        if led is None:
            led = self.lists[name] = Counters()
        return led


class PhraseSpotter:
    def __init__(self, m: TenantState) -> None:
        self.m = m
        self.book = PhraseBook(())
        self.keep_segments = False
        self.retention_ms = 0
        self.calls: dict[str, CallPhrases] = {}
        self.scopes: dict[str, PhraseScope] = {}
        self.recent: deque[HitRecord] = deque(maxlen=RECENT_HITS)
        self.seq = 0  # hits so far: the newest hit's `seq`

    def configure(self, config: TenantConfig) -> None:
        if config.phrase_lists != self.book.source:
            self.book = PhraseBook(config.phrase_lists)
        self.keep_segments = config.keep_segments
        self.retention_ms = int(config.segment_retention_s * 1000)

    @property
    def active(self) -> bool:
        """Whether the tenant spots phrases at all (lists, or segments seen)."""
        return bool(self.book.lists) or bool(self.scopes)

    # ------------------------------------------------------------------ state

    def live(self, call_id: str, t: int) -> CallPhrases | None:
        cp = self.calls.get(call_id)
        if cp is not None and not self.fresh(cp, t):
            del self.calls[call_id]
            return None
        return cp

    def fresh(self, cp: CallPhrases, t: int) -> bool:
        m = self.m
        if cp.done_at >= 0:
            return t - cp.done_at < m.keep_ms
        return t - cp.first < m.age_ms

    def scope(self, key: str) -> PhraseScope:
        sc = self.scopes.get(key)
        if sc is None:
            sc = self.scopes[key] = PhraseScope()
        return sc

    def scope_keys(self, queue: str | None, agent: str | None) -> list[str]:
        keys = ["tenant"]
        if queue is not None:
            keys.append(f"queue:{queue}")
        if agent is not None:
            team = self.team_of(agent)
            if team is not None:
                keys.append(f"team:{team}")
            keys.append(f"agent:{agent}")
        return keys

    def team_of(self, agent: str) -> str | None:
        ag = self.m.agents.get(agent)
        return ag.team if ag is not None else self.m.config.agent_teams.get(agent)

    # ------------------------------------------------------------------ events

    def on_transcript(self, ev: CallTranscript, t: int) -> None:
        if not ev.final:
            return
        m = self.m
        call = m.calls.get(ev.call_id)
        queue, last_agent = m.call_context(ev.call_id, t)
        agent = ev.agent
        if agent is None:
            agent = call.agent if call is not None and call.agent is not None else last_agent
        ms = ev.ts
        cp = self.live(ev.call_id, t)
        if cp is None:
            start = call.answered_ms if call is not None and call.answered_ms is not None else ms
            cp = self.calls[ev.call_id] = CallPhrases(ev.call_id, t, start, {}, [])
        keys = self.scope_keys(queue, agent)
        general = 0
        if ev.sentiment is not None:
            general = WITH_SENTIMENT | (NEGATIVE if ev.sentiment == "negative" else 0)
        spotted = self.book.spot(ev.text, ev.role) if not self.book.empty else []
        offset = ev.offset_ms if ev.offset_ms is not None else max(0, ms - cp.start_ms)
        per_list: dict[str, int] = {}
        for s in spotted:
            cl = s.list
            delta = per_list.get(cl.name, 0) + HITS
            if cl.name not in cp.lists:
                cp.lists.append(cl.name)
                delta |= CALLS_WITH
            per_list[cl.name] = delta
            if cl.kind == BANNED and not cp.banned:
                cp.banned = True
                general |= BANNED_CALLS
            in_time = cl.within_ms is None or offset <= cl.within_ms
            if cl.kind == REQUIRED and cp.done_at < 0 and in_time:
                said = cp.said.setdefault(cl.name, [])
                if s.key not in said:
                    said.append(s.key)
            self.seq += 1
            team = self.team_of(agent) if agent is not None else None
            self.recent.append(
                HitRecord(self.seq, t, ev.call_id, agent, team, queue, cl.name, cl.kind,
                          s.phrase, ev.role, ev.text if self.keep_segments else None)
            )  # fmt: skip
        for key in keys:
            sc = self.scope(key)
            if general:
                sc.general.add(t, general)
            for name, delta in per_list.items():
                sc.list_ledger(name).add(t, delta)
        if general or per_list:
            team = self.team_of(agent) if agent is not None else None
            facts = self.m.facts
            for name, delta in (("", general), *per_list.items()):
                if not delta:
                    continue
                packed = unpack(delta, LIST_FIELDS if name else GENERAL_FIELDS)
                facts.append(
                    _fact(f"phrase:{ev.id}:{name}", ev.call_id, name, queue, agent, team, t,
                          packed)
                )  # fmt: skip

    def handled(self, call: Call, t: int) -> None:
        """`call` was handled at `t`: settle its script adherence."""
        cp = self.live(call.id, t)
        if cp is None or cp.done_at >= 0:
            return
        cp.done_at = t
        keys = self.scope_keys(
            call.outcome_queue if call.outcome_queue is not None else call.queue, call.last_agent
        )
        adherent = []
        for cl in self.book.lists:
            if cl.kind == REQUIRED:
                said = cp.said.get(cl.name, ())
                if all(key in said for key in cl.keys):
                    adherent.append(cl.name)
        for key in keys:
            sc = self.scope(key)
            sc.general.add(t, TRANSCRIBED)
            for name in adherent:
                sc.list_ledger(name).add(t, ADHERENT)
        queue = call.outcome_queue if call.outcome_queue is not None else call.queue
        agent = call.last_agent
        team = self.team_of(agent) if agent is not None else None
        base = f"phrase:call:{call.id}:{call.visit}:{call.first}:"
        facts = self.m.facts
        facts.append(_fact(base, call.id, "", queue, agent, team, t, (1, 0, 0, 0)))
        for name in adherent:
            facts.append(_fact(base + name, call.id, name, queue, agent, team, t, (0, 0, 1)))

    # ------------------------------------------------------------------ time

    def roll(self, new_day: bool, cutoff: int, x: int) -> None:
        for sc in self.scopes.values():
            for led in (sc.general, *sc.lists.values()):
                led.roll(new_day)
                led.prune(cutoff)
        for cid in [cid for cid, cp in self.calls.items() if not self.fresh(cp, x)]:
            del self.calls[cid]
        if any(hit.text is not None for hit in self.recent):
            kept = self.kept_hits(x)
            self.recent.clear()
            self.recent.extend(kept)

    def kept_hits(self, x: int) -> list[HitRecord]:
        """The recent hits at time `x`: segments past their retention dropped."""
        limit = x - self.retention_ms
        return [
            msgspec.structs.replace(hit, text=None)
            if hit.text is not None and hit.at <= limit
            else hit
            for hit in self.recent
        ]

    # ------------------------------------------------------------------ queries

    def metrics(self, scope: str, window: str, q: int) -> Metrics:
        sc = self.scopes.get(scope)
        general = self.window(sc.general, window, q) if sc is not None else 0
        transcribed, banned, with_sentiment, negative = unpack(general, GENERAL_FIELDS)
        out: Metrics = {}
        for cl in self.book.lists:
            led = sc.lists.get(cl.name) if sc is not None else None
            hits, calls, adherent = unpack(
                self.window(led, window, q) if led is not None else 0, LIST_FIELDS
            )
            out[PHRASE_HITS + cl.name] = hits
            out[CALLS_WITH_PREFIX + cl.name] = calls
            if cl.kind == REQUIRED:
                out[ADHERENCE_PREFIX + cl.name] = ratio(adherent, transcribed)
        out["banned_calls"] = banned
        out["negative_sentiment_share"] = ratio(negative, with_sentiment)
        return out

    def window(self, led: Counters, window: str, q: int) -> int:
        width = ROLLING_MS.get(window)
        if width is not None:
            return led.total - led.at(q - width)
        m = self.m
        daily = window == "today"
        start = m.calendar.day(q) if daily else m.calendar.interval(q)
        if start == (m.day if daily else m.interval):
            return led.total - (led.day_base if daily else led.interval_base)
        return 0

    def latest_hits(self, now_ms: int, after: int = 0) -> list[HitRecord]:
        """The kept hits with `seq` above `after`, oldest first, segments past their retention
        at `now_ms` left out."""
        return [hit for hit in self.kept_hits(max(now_ms, self.m.clock)) if hit.seq > after]


def _fact(
    fact_id: str,
    call_id: str,
    list_name: str,
    queue: str | None,
    agent: str | None,
    team: str | None,
    t: int,
    sums: tuple[int, ...],
) -> PhraseFact:
    """A fact from the unpacked fields of a list ledger (hits, calls with, adherent) or, for
    `list_name` '', of the general ledger (transcribed, banned calls, with sentiment, negative)."""
    hits = calls_with = adherent = transcribed = banned = with_sentiment = negative = 0
    if list_name:
        hits, calls_with, adherent = sums
    else:
        transcribed, banned, with_sentiment, negative = sums
    return PhraseFact(
        fact_id, call_id, list_name, queue, agent, team, hits, calls_with, adherent,
        transcribed, banned, with_sentiment, negative, t,
    )  # fmt: skip


__all__ = ["CallPhrases", "HitRecord", "PhraseListConfig", "PhraseSpotter"]
