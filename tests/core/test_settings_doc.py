"""docs/operations.md holds the configuration reference generated from `Settings`: a setting
added, removed or redescribed without regenerating the document fails here."""

from __future__ import annotations

from pathlib import Path

from app.core.config import Settings
from app.core.settings_doc import BEGIN, END, render_into, settings_table

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_reference_lists_every_setting_once() -> None:
    table = settings_table()

    for name in Settings.model_fields:
        assert table.count(f"`FLOORWATCH_{name.upper()}`") == 1, name
    assert "| `FLOORWATCH_ENGINE` | `memory` \\| `redis` | `memory` |" in table
    assert "| `FLOORWATCH_METRICS_TOKEN` | secret (optional) | unset |" in table


def test_docs_operations_is_up_to_date() -> None:
    document = OPERATIONS.read_text()

    assert BEGIN in document
    assert END in document
    assert render_into(document) == document, (
        "docs/operations.md is out of date: run `python -m app.core.settings_doc --write "
        "docs/operations.md`"
    )
