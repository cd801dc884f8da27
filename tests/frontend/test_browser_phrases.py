"""The script adherence widget in headless Chromium against the real server: the Polish and
English transcript set posted over HTTP gives each agent's adherence to a phrase list and calls
with banned phrases, lowest adherence first, and under it the latest hits without what was
said, in English and Polish, at every wall size.
Screenshots go to artifacts/screenshots/ (`phrases-*`)."""

from __future__ import annotations

import msgspec
import pytest

from app.events.schemas import CallTranscript
from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, expect

from tests.frontend.conftest import Wall, screenshot
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, browsing
from tests.helpers import now_ms
from tests.phrases.transcripts import LISTS, events

EXPECTED = [("john", "0%", "1"), ("kate", "0%", "0"), ("piotr", "0%", "1"), ("anna", "100%", "0")]
TITLES = {"en": "Script adherence powitanie", "pl": "Zgodność ze skryptem powitanie"}
LATEST = {"en": "Latest hits", "pl": "Ostatnie trafienia"}
QUOTE = {"en": "“", "pl": "„"}


async def test_adherence_per_agent_in_both_languages_at_every_size(
    wall: Wall, browser: Browser
) -> None:
    for pl in LISTS:
        body = msgspec.to_builtins(pl)
        body["phrases"] = list(pl.phrases)
        await wall.api("POST", "/v1/phrase-lists", body)
    stream = events()
    said = [e for e in stream if isinstance(e, CallTranscript)]
    shift = now_ms() - 1000 - stream[-1].ms
    await wall.post([{**msgspec.to_builtins(e), "ts": e.ms + shift} for e in stream])
    board = await wall.api(
        "POST",
        "/v1/dashboards",
        {
            "name": "Scripts",
            "widgets": [
                {"id": "ph", "type": "phrases", "window": "60m", "w": 6, "h": 4,
                 "options": {"list": "powitanie"}},
                {"id": "k", "type": "kpi", "metric": "script_adherence:powitanie",
                 "window": "60m", "x": 6, "w": 3, "h": 2},
                {"id": "b", "type": "kpi", "metric": "banned_calls", "window": "60m",
                 "x": 9, "w": 3, "h": 2},
            ],
        },
    )  # fmt: skip
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                page = seen.page
                await wall.login(page)
                await page.goto(f"{wall.base_url}/d/{board['id']}?lang={lang}")
                tile = page.locator("[data-widget=ph]")
                rows = tile.locator("tbody tr")
                await expect(rows).to_have_count(4, timeout=10_000)
                got = [
                    tuple(c.strip() for c in await rows.nth(i).locator("td").all_inner_texts())
                    for i in range(4)
                ]
                assert got == EXPECTED, (lang, width, got)
                await expect(tile.locator("h2")).to_have_text(TITLES[lang])
                await expect(page.locator("[data-widget=k] [data-testid=value]")).to_have_text(
                    {"en": "25.0%", "pl": "25,0%"}[lang]
                )
                await expect(page.locator("[data-widget=b] [data-testid=value]")).to_have_text("2")
                hits = tile.get_by_test_id("phrase-hits")
                await expect(hits.locator("h3")).to_have_text(LATEST[lang])
                await expect(hits.locator("li")).to_have_count(4)
                newest = await hits.locator("li").nth(0).inner_text()
                assert any(f"{pl.name}: {QUOTE[lang]}" in newest for pl in LISTS), newest
                shown = await tile.inner_text()
                assert all(segment.text not in shown for segment in said)
                await screenshot(page, f"phrases-{lang}-{width}x{height}")
                assert seen.errors == []
