"""A plain reference for phrase spotting (docs/phrases.md), on top of the aggregator's
reference: phrases found word by word (no automaton), every hit and every settled call kept as
a raw record, windows answered by filtering the records by time; the report facts counted
from the same records, one per segment and list, and one per settled call and list."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.events.schemas import CallTranscript
from app.streams.aggregator.config import TenantConfig
from app.streams.aggregator.facts import PhraseFact
from app.streams.aggregator.phrase_matching import normalize
from tests.streams.reference import Metrics, RCall, Reference


@dataclass
class PRec:
    t: int
    scopes: frozenset[str]
    kind: str  # hit | first | banned | sentiment | negative | transcribed | adherent
    list: str | None = None


@dataclass
class PCall:
    first: int
    start: int
    said: dict[str, set[str]] = field(default_factory=dict)
    lists: set[str] = field(default_factory=set)
    banned: bool = False
    done_at: int | None = None


@dataclass(frozen=True)
class RHit:
    call_id: str
    agent: str | None
    team: str | None
    queue: str | None
    list: str
    kind: str
    phrase: str
    role: str


def phrase_words(phrase: str) -> tuple[list[str], bool]:
    prefix = phrase.endswith("*")
    return normalize(phrase.rstrip("*")).split(), prefix


def find(text: str, phrases: tuple[str, ...]) -> list[tuple[int, int]]:
    """(word position, phrase index) of every occurrence, by position then phrase."""
    words = normalize(text).split()
    out = []
    for at in range(len(words)):
        for index, phrase in enumerate(phrases):
            want, prefix = phrase_words(phrase)
            got = words[at : at + len(want)]
            if len(got) < len(want) or got[:-1] != want[:-1]:
                continue
            if got[-1].startswith(want[-1]) if prefix else got[-1] == want[-1]:
                out.append((at, index))
    return out


def key(phrase: str) -> str:
    words, prefix = phrase_words(phrase)
    return " ".join(words) + ("*" if prefix else "")


class PhraseReference(Reference):
    def __init__(self, config: TenantConfig) -> None:
        super().__init__(config)
        self.pcalls: dict[str, PCall] = {}
        self.precords: list[PRec] = []
        self.hits: list[RHit] = []

    def pscopes(self, queue: str | None, agent: str | None) -> frozenset[str]:
        return frozenset(self.scopes(queue, agent))

    def pcall(self, cid: str, t: int) -> PCall | None:
        pc = self.pcalls.get(cid)
        if pc is None:
            return None
        if pc.done_at is not None:
            fresh = t - pc.done_at < self.config.finished_call_retention_s * 1000
        else:
            fresh = t - pc.first < self.config.max_call_age_s * 1000
        if not fresh:
            del self.pcalls[cid]
            return None
        return pc

    def on_call_transcript(self, ev: CallTranscript, t: int) -> None:
        if not ev.final:
            return
        live: RCall | None = self.calls.get(ev.call_id)
        queue: str | None = None
        agent: str | None = None
        if live is not None:
            queue = live.oq if live.oq is not None else live.queue
            agent = live.agent if live.agent is not None else live.last_agent
        else:
            tomb = self.lookup_tomb(ev.call_id, t)
            if tomb is not None:
                queue, agent = tomb.queue, tomb.agent
        if ev.agent is not None:
            agent = ev.agent
        pc = self.pcall(ev.call_id, t)
        if pc is None:
            start = live.answered_ms if live is not None and live.answered_ms is not None else ev.ms
            pc = self.pcalls[ev.call_id] = PCall(first=t, start=start)
        scopes = self.pscopes(queue, agent)
        before = len(self.precords)
        if ev.sentiment is not None:
            self.precords.append(PRec(t, scopes, "sentiment"))
            if ev.sentiment == "negative":
                self.precords.append(PRec(t, scopes, "negative"))
        offset = ev.offset_ms if ev.offset_ms is not None else max(0, ev.ms - pc.start)
        found = []
        for pl in self.config.phrase_lists:
            if pl.role in ("any", ev.role):
                found += [(at, index, pl) for at, index in find(ev.text, pl.phrases)]
        order = {pl.name: n for n, pl in enumerate(self.config.phrase_lists)}
        found.sort(key=lambda hit: (hit[0], order[hit[2].name], hit[1]))
        for _, index, pl in found:
            phrase = pl.phrases[index]
            self.precords.append(PRec(t, scopes, "hit", pl.name))
            if pl.name not in pc.lists:
                pc.lists.add(pl.name)
                self.precords.append(PRec(t, scopes, "first", pl.name))
            if pl.kind == "banned" and not pc.banned:
                pc.banned = True
                self.precords.append(PRec(t, scopes, "banned"))
            in_time = pl.within_s is None or offset <= pl.within_s * 1000
            if pl.kind == "required" and pc.done_at is None and in_time:
                pc.said.setdefault(pl.name, set()).add(key(phrase))
            self.hits.append(
                RHit(ev.call_id, agent, self.team(agent) if agent else None, queue, pl.name,
                     pl.kind, phrase, ev.role)
            )  # fmt: skip
        made = self.precords[before:]
        team = self.team(agent) if agent else None

        def made_count(kind: str, name: str | None = None) -> int:
            return sum(1 for r in made if r.kind == kind and r.list == name)

        general = (made_count("banned"), made_count("sentiment"), made_count("negative"))
        if any(general):
            banned, with_sentiment, negative = general
            self.facts.append(
                PhraseFact(f"phrase:{ev.id}:", ev.call_id, "", queue, agent, team, 0, 0, 0, 0,
                           banned, with_sentiment, negative, t)
            )  # fmt: skip
        for name in dict.fromkeys(r.list for r in made if r.kind == "hit"):
            assert name is not None
            self.facts.append(
                PhraseFact(f"phrase:{ev.id}:{name}", ev.call_id, name, queue, agent, team,
                           made_count("hit", name), made_count("first", name), 0, 0, 0, 0, 0, t)
            )  # fmt: skip

    def complete(self, c: RCall, t: int, wrap: int, ms: int) -> None:
        super().complete(c, t, wrap, ms)
        pc = self.pcall(c.id, t)
        if pc is None or pc.done_at is not None:
            return
        pc.done_at = t
        queue = c.oq if c.oq is not None else c.queue
        agent = c.last_agent
        team = self.team(agent) if agent else None
        scopes = self.pscopes(queue, agent)
        self.precords.append(PRec(t, scopes, "transcribed"))
        base = f"phrase:call:{c.id}:{c.visit}:{c.first}:"
        self.facts.append(
            PhraseFact(base, c.id, "", queue, agent, team, 0, 0, 0, 1, 0, 0, 0, t)
        )  # fmt: skip
        for pl in self.config.phrase_lists:
            if pl.kind == "required" and {key(p) for p in pl.phrases} <= pc.said.get(
                pl.name, set()
            ):
                self.precords.append(PRec(t, scopes, "adherent", pl.name))
                self.facts.append(
                    PhraseFact(base + pl.name, c.id, pl.name, queue, agent, team, 0, 0, 1, 0, 0,
                               0, 0, t)
                )  # fmt: skip

    def scope_names(self) -> set[str]:
        out = super().scope_names()
        for rec in self.precords:
            out |= rec.scopes
        return out

    def metrics(self, scope: str, window: str, now: int) -> Metrics:
        out = super().metrics(scope, window, now)
        if window == "live" or scope.startswith("pipeline:"):  # phrases count by call, not deal
            return out
        q = max(now, self.wm)
        start, inclusive = self.window_start(window, q)
        recs = [
            r
            for r in self.precords
            if scope in r.scopes and (r.t >= start if inclusive else r.t > start) and r.t <= q
        ]

        def count(kind: str, name: str | None = None) -> int:
            return sum(1 for r in recs if r.kind == kind and r.list == name)

        transcribed = count("transcribed")
        for pl in self.config.phrase_lists:
            out[f"phrase_hits:{pl.name}"] = count("hit", pl.name)
            out[f"calls_with:{pl.name}"] = count("first", pl.name)
            if pl.kind == "required":
                adherent = count("adherent", pl.name)
                out[f"script_adherence:{pl.name}"] = adherent / transcribed if transcribed else None
        out["banned_calls"] = count("banned")
        with_sentiment = count("sentiment")
        out["negative_sentiment_share"] = (
            count("negative") / with_sentiment if with_sentiment else None
        )
        return out
