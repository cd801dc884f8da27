"""The phrase lists as the aggregator reads them (app/phrases has the lists' API and rules),
compiled once per change into one matcher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import msgspec

from app.streams.aggregator.phrase_matching import Hit, PhraseMatcher, normalize_phrase

ListKind = Literal["required", "banned", "signal"]
ListRole = Literal["agent", "customer", "any"]
REQUIRED: Final = "required"
BANNED: Final = "banned"


class PhraseListConfig(msgspec.Struct, frozen=True):
    """`within_s`: a phrase of a `required` list counts only when said that many seconds into
    the call or sooner."""

    name: str
    kind: ListKind
    role: ListRole
    phrases: tuple[str, ...]
    within_s: int | None = None


def phrase_key(phrase: str) -> str:
    """What a phrase matches, as one string: `rezygn*` and `Rezygn*` are one key."""
    words, prefix = normalize_phrase(phrase)
    return words + "*" if prefix else words


@dataclass(frozen=True, slots=True)
class CompiledList:
    name: str
    kind: ListKind
    role: ListRole
    keys: tuple[str, ...]
    within_ms: int | None


@dataclass(frozen=True, slots=True)
class Spotted:
    """One hit of one phrase of one list in a segment."""

    list: CompiledList
    phrase: str
    key: str


class PhraseBook:
    """All lists of a tenant: `spot(text, role)` gives every hit of every list that searches
    that role, in text order."""

    def __init__(self, lists: tuple[PhraseListConfig, ...]) -> None:
        self.source = lists
        self.lists = tuple(
            CompiledList(
                pl.name,
                pl.kind,
                pl.role,
                tuple(phrase_key(p) for p in pl.phrases),
                pl.within_s * 1000 if pl.within_s is not None else None,
            )
            for pl in lists
        )
        self.by_name = {cl.name: cl for cl in self.lists}
        self._phrases = tuple(pl.phrases for pl in lists)
        self._matcher = PhraseMatcher(self._phrases)

    @property
    def empty(self) -> bool:
        return self._matcher.empty

    def spot(self, text: str, role: str) -> list[Spotted]:
        hits: list[Hit] = self._matcher.find(text)
        out = []
        for hit in hits:
            cl = self.lists[hit.list_index]
            if cl.role == "any" or cl.role == role:
                out.append(Spotted(cl, self._phrases[hit.list_index][hit.phrase_index],
                                   cl.keys[hit.phrase_index]))  # fmt: skip
        return out
