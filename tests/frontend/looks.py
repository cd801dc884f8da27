"""Measurements of what a page looks like, taken in the browser (tests/frontend/looks.js): the
size of every visible text, whether a text is cut or wrapped, the contrast of a text with what
is behind it (WCAG 2)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page

_LOOKS = (Path(__file__).parent / "looks.js").read_text(encoding="utf-8")


async def _look(page: Page, name: str, args: Any) -> Any:
    return await page.evaluate(f"([name, args]) => ({_LOOKS})[name](args)", [name, args])


@dataclass(frozen=True)
class Text:
    where: str
    text: str
    size: float


async def visible_texts(page: Page, skip: tuple[str, ...] = ()) -> list[Text]:
    """Every visible element with text of its own and its rendered font size in px, except
    inside elements matching a selector of `skip` or in components named there."""
    rows: list[dict[str, Any]] = await _look(page, "texts", list(skip))
    return [Text(r["where"], r["text"], r["size"]) for r in rows]


async def cut_or_wrapped(page: Page, host: str, selector: str) -> list[dict[str, Any]]:
    """The elements matching `selector` in `host`'s shadow root (any root if host is empty) whose
    text is clipped or runs over several lines; [] when every one is whole on one line."""
    found: list[dict[str, Any]] = await _look(page, "cutOrWrapped", [host, selector])
    assert found, f"nothing matches {selector!r} in {host or 'the page'}"
    return [f for f in found if f["cut"] or f["lines"] > 1]


async def contrasts(page: Page, host: str, selector: str) -> list[tuple[str, float]]:
    """(text, least contrast ratio) of every element matching `selector` in `host`."""
    found: list[dict[str, Any]] = await _look(page, "contrast", [host, selector])
    assert found, f"nothing matches {selector!r} in {host}"
    return [(f["text"], f["ratio"]) for f in found]
