"""Finding phrases in transcript text: deterministic, case- and diacritic-insensitive, one pass
over the text for all phrases of a tenant (Aho-Corasick, pyahocorasick).

Text and phrases are normalised alike: NFKD, combining marks dropped (so `zł` reads `zl`,
`rezygnację` reads `rezygnacje`), letters without a decomposition mapped by hand (`ł`, `ß`, ...),
case folded, and every run of characters that are not letters or digits turned into one space.
A phrase matches where its words occur as whole words; a phrase ending in `*` matches any word
that begins with its last word (`rezygn*` matches `rezygnuję`, `rezygnacji`). Every occurrence
of every phrase counts, overlapping ones of different phrases included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import ahocorasick

WILDCARD: Final = "*"
_NO_DECOMPOSITION: Final = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "œ": "oe"}
)


def normalize(text: str) -> str:
    """Lower-case words of letters and digits without diacritics, separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        kept.append(ch if ch.isalnum() else " ")
    return " ".join("".join(kept).casefold().split())


def normalize_phrase(phrase: str) -> tuple[str, bool]:
    """The phrase's normalised words and whether it ends in the wildcard. Raises ValueError
    when nothing matchable is left, or the wildcard stands anywhere but at the end."""
    stripped = phrase.strip()
    prefix = stripped.endswith(WILDCARD)
    body = stripped[:-1] if prefix else stripped
    if WILDCARD in body:
        raise ValueError(f"{phrase!r}: `*` may only end a phrase (`rezygn*`)")
    words = normalize(body)
    if not words:
        raise ValueError(f"{phrase!r} has no letters or digits to match")
    if prefix and body.rstrip() != body:
        raise ValueError(f"{phrase!r}: `*` must follow the word it extends, without a space")
    return words, prefix


@dataclass(frozen=True, slots=True)
class Hit:
    """`list_index` and `phrase_index` point into the lists the matcher was built from;
    `start` is the character offset in the normalised text."""

    list_index: int
    phrase_index: int
    start: int


class PhraseMatcher:
    """All phrases of some lists, compiled once; `find(text)` returns every hit in text order
    (then by list and phrase)."""

    def __init__(self, lists: Iterable[Iterable[str]]) -> None:
        self._automaton = ahocorasick.Automaton()
        patterns: dict[str, list[tuple[int, int, int]]] = {}
        for list_index, phrases in enumerate(lists):
            for phrase_index, phrase in enumerate(phrases):
                words, prefix = normalize_phrase(phrase)
                key = " " + words + ("" if prefix else " ")
                patterns.setdefault(key, []).append((list_index, phrase_index, len(key)))
        for key, targets in patterns.items():
            self._automaton.add_word(key, tuple(targets))
        self.empty = not patterns
        if not self.empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Hit]:
        if self.empty:
            return []
        padded = " " + normalize(text) + " "
        hits = []
        for end, targets in self._automaton.iter(padded):
            for list_index, phrase_index, length in targets:
                hits.append(Hit(list_index, phrase_index, end - length + 1))
        hits.sort(key=lambda hit: (hit.start, hit.list_index, hit.phrase_index))
        return hits
