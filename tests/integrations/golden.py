"""Golden files: the expected adapter output for each sample, reviewed by a person.

`render` turns a ParseResult into plain JSON (each event with a readable UTC `at` next to its
epoch-ms `ts`). Regenerate after an intended mapping change with
`FLOORWATCH_UPDATE_GOLDEN=1 pytest tests/integrations` and review the diff before committing.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from app.integrations.common import ParseResult

SAMPLES = Path(__file__).parent / "samples"


def render(result: ParseResult) -> dict[str, Any]:
    events = []
    for event in result.events:
        item = msgspec.to_builtins(event)
        item["at"] = datetime.fromtimestamp(event.ms / 1000, UTC).isoformat()
        events.append(item)
    return {
        "events": events,
        "errors": [[error.line_no, error.reason] for error in result.errors],
        "skipped": dict(sorted(result.skipped.items())),
    }


def golden(name: str, result: ParseResult) -> tuple[dict[str, Any], dict[str, Any]]:
    """(expected, actual) for the golden file `samples/<name>`, rewriting it when asked to."""
    path = SAMPLES / name
    actual = render(result)
    if os.environ.get("FLOORWATCH_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n")
    expected: dict[str, Any] = json.loads(path.read_text())
    return expected, actual
