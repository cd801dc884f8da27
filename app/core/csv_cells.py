"""Cells of the CSV files Floorwatch writes, safe to open in a spreadsheet.

Names come from integrations (queues, agents, teams): a text cell starting with `=`, `+`, `-`,
`@`, a tab or a carriage return would be run as a formula by Excel, LibreOffice or Google
Sheets (CSV injection). Such text gets a leading `'` (OWASP's advice), which spreadsheets show
as text. Numbers are not text: a negative deviation stays `-3.5`, a number to calculate with.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """`value` as a CSV cell: empty for None, the shortest exact form of a float, numbers as
    they are, and text that a spreadsheet would run as a formula neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
