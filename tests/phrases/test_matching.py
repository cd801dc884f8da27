"""Phrase matching on Polish and English transcript text: case, diacritics, inflection by a
trailing `*`, whole words only, every occurrence; checked against a plain reference."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.streams.aggregator.phrase_matching import Hit, PhraseMatcher, normalize, normalize_phrase

SCRIPT = ["Dzień dobry", "nazywam się*", "w czym mogę pomóc", "good morning", "my name is"]
BANNED = ["gwarantuję*", "zero ryzyka", "I guarantee"]
SIGNAL = ["rezygn*", "konkurencj*", "cancel*", "zł"]


def hits(text: str) -> list[tuple[str, str]]:
    lists = [SCRIPT, BANNED, SIGNAL]
    return [(["script", "banned", "signal"][h.list_index], lists[h.list_index][h.phrase_index])
            for h in PhraseMatcher(lists).find(text)]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "dzien dobry, NAZYWAM SIE Łukasz",
            [("script", "Dzień dobry"), ("script", "nazywam się*")],
        ),
        (
            "Dzień dobry! W czym mogę pomóc?",
            [("script", "Dzień dobry"), ("script", "w czym mogę pomóc")],
        ),
        ("Gwarantuję, że to zero ryzyka.", [("banned", "gwarantuję*"), ("banned", "zero ryzyka")]),
        ("gwarantujemy najniższą cenę", [("banned", "gwarantuję*")]),
        ("Chcę zrezygnować", []),
        ("rezygnuję, a konkurencja daje rabat", [("signal", "rezygn*"), ("signal", "konkurencj*")]),
        ("Rezygnacja z usługi. REZYGNUJĘ!", [("signal", "rezygn*"), ("signal", "rezygn*")]),
        ("Cena 49,99 zł, czyli 49.99 ZL", [("signal", "zł"), ("signal", "zł")]),
        ("złoty", []),
        ("I'd like to cancel; cancellation now", [("signal", "cancel*"), ("signal", "cancel*")]),
        ("Good  morning,\tmy-name is Ann", [("script", "good morning"), ("script", "my name is")]),
        ("i guarantee it", [("banned", "I guarantee")]),
        ("", []),
    ],
)
def test_polish_and_english_segments(text: str, expected: list[tuple[str, str]]) -> None:
    assert hits(text) == expected


def test_normalisation() -> None:
    assert normalize("Zażółć GĘŚLĄ jaźń!") == "zazolc gesla jazn"
    assert normalize("  Straße — 100%  ") == "strasse 100"
    assert normalize_phrase("rezygn*") == ("rezygn", True)
    assert normalize_phrase("Zł") == ("zl", False)


@pytest.mark.parametrize("bad", ["*", "re*zygn", "!!!", "rezygn *"])
def test_unmatchable_phrases_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        normalize_phrase(bad)


def test_overlapping_phrases_of_different_lists_all_count() -> None:
    matcher = PhraseMatcher([["dobry"], ["dzień dobry"], ["dzie*"]])
    assert matcher.find("Dzień dobry") == [Hit(1, 0, 0), Hit(2, 0, 0), Hit(0, 0, 6)]


words = st.sampled_from(["ala", "ma", "kota", "kot", "Kotek", "żółw", "zolw", "as", "ma-ma"])


@given(
    text=st.lists(words, max_size=12).map(" ".join),
    phrases=st.lists(st.lists(words, min_size=1, max_size=2).map(" ".join), min_size=1,
                     max_size=4, unique_by=lambda p: normalize(p)),
    prefix=st.booleans(),
)  # fmt: skip
def test_agrees_with_a_word_by_word_reference(text: str, phrases: list[str], prefix: bool) -> None:
    """Reference: slide over the normalised words; a phrase matches where its words equal the
    text's (the last one as a prefix when the phrase ends in `*`)."""
    patterns = [p + "*" if prefix else p for p in phrases]
    text_words = normalize(text).split()
    expected: list[tuple[int, int]] = []
    for at in range(len(text_words)):
        for index, pattern in enumerate(patterns):
            want = normalize(pattern.rstrip("*")).split()
            got = text_words[at : at + len(want)]
            if len(got) < len(want) or got[:-1] != want[:-1]:
                continue
            last_ok = got[-1].startswith(want[-1]) if prefix else got[-1] == want[-1]
            if last_ok:
                expected.append((at, index))
    offsets = [len(" ".join(text_words[:at])) + (1 if at else 0) for at in range(len(text_words))]
    found = [(offsets.index(h.start), h.phrase_index) for h in PhraseMatcher([patterns]).find(text)]
    assert sorted(found) == sorted(expected)
