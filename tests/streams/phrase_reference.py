"""A plain reference for phrase spotting (docs/phrases.md), on top of the aggregator's
reference: phrases found word by word (no automaton), every hit and every settled call kept as
a raw record, windows answered by filtering the records by time."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.events.schemas import CallTranscript
from app.streams.aggregator.config import TenantConfig
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

    def complete(self, c: RCall, t: int, wrap: int, ms: int) -> None:
        super().complete(c, t, wrap, ms)
        pc = self.pcall(c.id, t)
        if pc is None or pc.done_at is not None:
            return
        pc.done_at = t
        scopes = self.pscopes(c.oq if c.oq is not None else c.queue, c.last_agent)
        self.precords.append(PRec(t, scopes, "transcribed"))
        for pl in self.config.phrase_lists:
            if pl.kind == "required" and {key(p) for p in pl.phrases} <= pc.said.get(
                pl.name, set()
            ):
                self.precords.append(PRec(t, scopes, "adherent", pl.name))

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
