"""The benchmark table: rows with their target, judged; printed, and written to
docs/performance.md between two markers (the rest of that file is kept as it is)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, commit, machine

DOC = ROOT / "docs" / "performance.md"
START_MARK = "<!-- bench:start (written by `make bench`; edits inside are overwritten) -->"
END_MARK = "<!-- bench:end -->"


@dataclass(frozen=True)
class Target:
    """`value >= bound` (at_least) or `value <= bound` (at_most)."""

    bound: float
    at_least: bool
    text: str

    def judge(self, value: float) -> str:
        if self.at_least:
            if value >= self.bound:
                return "met"
            return f"**missed**: {value / self.bound:.0%} of the target"
        if value <= self.bound:
            return "met"
        return f"**missed**: {value / self.bound:.1f}× the limit"


def at_least(bound: float, text: str) -> Target:
    return Target(bound, True, text)


def at_most(bound: float, text: str) -> Target:
    return Target(bound, False, text)


@dataclass(frozen=True)
class Row:
    section: str
    measure: str
    value: float | None
    shown: str
    target: Target | None = None
    note: str = ""

    @property
    def status(self) -> str:
        if self.value is None:
            return "not measured" if self.target else ""
        return self.target.judge(self.value) if self.target else ""


def count(value: float, unit: str = "events/s") -> str:
    return f"{value:,.0f} {unit}"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| | measure | result | target | status |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        shown = row.shown + (f" ({row.note})" if row.note else "")
        target = row.target.text if row.target else ""
        lines.append(f"| {row.section} | {row.measure} | {shown} | {target} | {row.status} |")
    return "\n".join(lines)


def render(rows: Sequence[Row], details: Sequence[str], started: datetime, load: str) -> str:
    now = datetime.now(UTC)
    minutes = (now - started).total_seconds() / 60
    head = [
        START_MARK,
        "",
        f"Run of {now:%Y-%m-%d %H:%M} UTC on commit `{commit()}`, {minutes:.1f} minutes.",
        f"Machine: {machine()}.",
        f"Load average (1/5/15 min) at the start: {load}; at the end: {load_average()}.",
        "",
        table(rows),
        "",
    ]
    if details:
        head += ["Details:", "", *(f"- {line}" for line in details), ""]
    return "\n".join([*head, END_MARK])


def write_doc(section: str, doc: Path = DOC) -> None:
    """Replace the text between the markers; with no markers yet, add the section after the
    title."""
    text = doc.read_text() if doc.exists() else "# Performance\n"
    pattern = re.compile(re.escape(START_MARK) + r".*?" + re.escape(END_MARK), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        title, _, rest = text.partition("\n")
        text = f"{title}\n\n## Server benchmarks (`make bench`)\n\n{section}\n{rest}"
    doc.write_text(text)
