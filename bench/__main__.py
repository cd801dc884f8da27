"""`make bench` / `python -m bench`: every benchmark in one run, one table, written to
docs/performance.md (between markers) with the machine, the date, the commit and the load.

    python -m bench [--quick] [--only ingest aggregation ...] [--no-write]

`--quick` runs each benchmark briefly (for working on the suite: its figures are not the
ones to publish). Each section runs on its own; one that fails becomes a row saying so.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime

from bench.results import Row, load_average, render, table, write_doc

Section = Callable[[bool], list[Row]]


def ingest(quick: bool) -> list[Row]:
    from bench import ingest

    if shutil.which("wrk") is None:
        return [Row("ingest", "`POST /v1/events`", None, "wrk is not installed", None)]
    return ingest.rows(runs=1 if quick else 3, seconds=2)


def aggregation(quick: bool) -> list[Row]:
    from bench import bytewax_asa

    return bytewax_asa.rows(runs=1 if quick else 3, minutes=10 if quick else 60)


def end_to_end(quick: bool) -> list[Row]:
    from bench import endtoend

    return endtoend.rows(quick)


def embedded(quick: bool) -> list[Row]:
    from bench import embedded

    return embedded.rows(quick)


def memory(quick: bool) -> list[Row]:
    from bench import memory

    return memory.rows(quick)


def recovery(quick: bool) -> list[Row]:
    from bench import recovery

    return recovery.rows(quick)


def wallboard(quick: bool) -> list[Row]:
    from bench import wallboard

    return wallboard.rows(quick)


def reports(quick: bool) -> list[Row]:
    from bench import reports_rows

    return reports_rows.rows(quick)


def wall(quick: bool) -> list[Row]:
    from bench import wall_frames

    return wall_frames.rows(quick)


def phrases(quick: bool) -> list[Row]:
    from bench import phrases

    return phrases.rows(quick)


SECTIONS: dict[str, Section] = {
    "ingest": ingest,
    "aggregation": aggregation,
    "end-to-end": end_to_end,
    "embedded": embedded,
    "memory": memory,
    "recovery": recovery,
    "wallboard": wallboard,
    "wall": wall,
    "reports": reports,
    "phrases": phrases,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for debugging")
    parser.add_argument("--only", nargs="+", choices=sorted(SECTIONS), help="these sections")
    parser.add_argument("--no-write", action="store_true", help="do not touch the docs")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    started = datetime.now(UTC)
    load = load_average()
    print(f"load average at the start: {load}", flush=True)
    rows: list[Row] = []
    details: list[str] = []
    for name, section in SECTIONS.items():
        if args.only and name not in args.only:
            continue
        began = time.monotonic()
        print(f"\n== {name}", flush=True)
        try:
            got = section(args.quick)
        except Exception as exc:
            traceback.print_exc()
            got = [Row(name, "(the benchmark failed)", None, f"error: {exc!r}"[:200])]
        spent = time.monotonic() - began
        details.append(f"{name}: {spent:.0f} s")
        for row in got:
            print(f"  {row.measure}: {row.shown} {row.status}", flush=True)
        rows += got
    print()
    print(table(rows))
    if not args.no_write and not args.quick and not args.only:
        write_doc(render(rows, details, started, load))
        print("\nwritten to docs/performance.md")


if __name__ == "__main__":
    main()
