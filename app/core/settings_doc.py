"""The configuration reference, generated from `Settings` (app/core/config.py).

`python -m app.core.settings_doc` prints the Markdown table; `python -m app.core.settings_doc
--write docs/operations.md` replaces the table between the markers in that file. A test
(tests/core/test_settings_doc.py) fails when the file and the settings disagree.
"""

from __future__ import annotations

import argparse
import enum
import json
import types
import typing
from pathlib import Path
from typing import Any, Final

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from app.core.config import Settings

BEGIN: Final = "<!-- settings:begin (generated: python -m app.core.settings_doc --write) -->"
END: Final = "<!-- settings:end -->"
PREFIX: Final = "FLOORWATCH_"


def type_name(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " \\| ".join(f"`{member.value}`" for member in annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        names = [type_name(a) for a in typing.get_args(annotation) if a is not type(None)]
        return " \\| ".join(names) + " (optional)"
    if origin is list:
        (item,) = typing.get_args(annotation)
        return f"list of {type_name(item)} (JSON)"
    if annotation is SecretStr:
        return "secret"
    return getattr(annotation, "__name__", str(annotation))


def default_text(name: str, field: FieldInfo) -> str:
    if name == "cookie_secure":
        return "`false` in `development`, else `true`"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, enum.Enum):
        return f"`{value.value}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    return f"`{value}`"


def settings_table() -> str:
    lines = [
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        description = (field.description or "").replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| `{PREFIX}{name.upper()}` | {type_name(field.annotation)} | "
            f"{default_text(name, field)} | {description} |"
        )
    return "\n".join(lines)


def render_into(document: str) -> str:
    """`document` with the text between the markers replaced by the current table."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"expected the markers {BEGIN!r} and {END!r} in the document")
    return document[: start + len(BEGIN)] + "\n" + settings_table() + "\n" + document[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="replace the table in this Markdown file")
    args = parser.parse_args()
    if args.write is None:
        print(settings_table())
        return
    path: Path = args.write
    path.write_text(render_into(path.read_text()))


if __name__ == "__main__":
    main()
