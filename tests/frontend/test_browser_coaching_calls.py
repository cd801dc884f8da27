"""Coaching notes link the calls that show the problem, in headless Chromium against the real
server: the new-note form lists the chosen agent's recent calls with phrase hits (not another
agent's), a ticked call is saved with the note and shown with its hits and, for an admin of a
tenant that keeps segments, what was said; after a reload too; calls are added to a saved
note. Screenshots in English and Polish at every size go to artifacts/screenshots/
(`coaching-calls-*`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from tests.auth.support import make_org
from tests.frontend.conftest import Wall, screenshot
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, browsing
from tests.helpers import ev, eventually, now_ms

BANNED = {"name": "obietnice", "kind": "banned", "role": "agent", "phrases": ["gwarantuję*"]}
LEAVING = {"name": "rezygnacja", "kind": "signal", "role": "customer", "phrases": ["rezygn*"]}
PROMISE = "Gwarantuję, że rata nie wzrośnie."
LEAVE = "Rozważam rezygnację z umowy."
TITLES = {"en": "Linked calls", "pl": "Powiązane rozmowy"}


def transcript_calls(t: int) -> list[dict[str, Any]]:
    said = [("c1", "a1", "agent", PROMISE), ("c2", "a1", "customer", LEAVE),
            ("c3", "a2", "agent", PROMISE)]  # fmt: skip
    events: list[dict[str, Any]] = []
    for i, (call, agent, role, text) in enumerate(said):
        events += [
            ev("call.queued", t + i * 1000, call_id=call, queue="Sales"),
            ev("call.answered", t + i * 1000 + 100, call_id=call, agent=agent),
            ev("call.transcript", t + i * 1000 + 200, call_id=call, role=role, text=text),
        ]
    return events


async def open_coaching(wall: Wall, page: Page) -> None:
    await wall.login(page)
    await page.click("[data-nav=coaching]")
    await expect(page).to_have_url(f"{wall.base_url}/coaching")


async def test_a_note_links_calls_and_shows_their_hits_after_a_reload(
    wall: Wall, page: Page, browser: Browser
) -> None:
    await make_org(wall.app.settings.database_url, wall.tenant_id, {"North": ["a1", "a2"]})
    wall.app.services.configs.invalidate(wall.tenant_id)
    for body in (BANNED, LEAVING):
        await wall.api("POST", "/v1/phrase-lists", body)
    await wall.api("PUT", "/v1/phrase-settings", {"keep_segments": True})
    await wall.post(transcript_calls(now_ms() - 60_000))

    async def spotted() -> bool:
        return len(await wall.api("GET", "/v1/phrase-hits")) == 3

    await eventually(spotted)

    await open_coaching(wall, page)
    form = page.locator("[data-form=new-note]")
    await form.locator("select[name=agent]").select_option("a1")
    picker = form.get_by_test_id("call-picker")
    await expect(picker.locator("[data-call]")).to_have_count(2)
    await expect(picker.locator("[data-call=c3]")).to_have_count(0)
    await expect(picker.locator("[data-call=c1]")).to_contain_text("obietnice: “gwarantuję*”")
    await picker.locator("[data-call=c1] input").check()
    session_day = dt.datetime.now(dt.UTC).date()
    await form.locator("input[name=date]").fill(session_day.isoformat())
    await form.locator("input[name=topic]").fill("Promises")
    await form.locator("button[type=submit]").click()

    note = page.locator("section[data-note]")
    await expect(note).to_have_count(1)
    linked = note.get_by_test_id("linked-calls")
    await expect(linked.locator("tbody tr")).to_have_count(1)
    [stored] = await wall.api("GET", "/v1/coaching")
    assert stored["call_ids"] == ["c1"]
    assert [(h["list"], h["phrase"], h["role"]) for h in stored["calls"][0]["hits"]] == [
        ("obietnice", "gwarantuję*", "agent")
    ]

    await page.reload()
    row = page.locator("section[data-note] [data-testid=linked-calls] tr[data-call=c1]")
    await expect(row).to_contain_text("gwarantuję*")
    await expect(row).to_contain_text(PROMISE)  # an admin, and the tenant keeps segments

    await page.locator("section[data-note] [data-action=link-calls]").click()
    editing = page.locator("[data-form=link-calls]")
    await expect(editing.locator("[data-call=c1] input")).to_be_checked()
    await editing.locator("[data-call=c2] input").check()
    await editing.locator("button[type=submit]").click()
    await expect(linked.locator("tbody tr")).to_have_count(2)
    await expect(linked.locator("tr[data-call=c2]")).to_contain_text("rezygn*")
    [stored] = await wall.api("GET", "/v1/coaching")
    assert stored["call_ids"] == ["c1", "c2"]

    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                shown = seen.page
                await wall.login(shown)
                await shown.goto(f"{wall.base_url}/coaching?lang={lang}")
                table = shown.get_by_test_id("linked-calls")
                await expect(table.locator("caption")).to_have_text(TITLES[lang])
                await expect(table.locator("tbody tr")).to_have_count(2)
                await shown.locator("[data-form=new-note] select[name=agent]").select_option("a1")
                await expect(
                    shown.get_by_test_id("call-picker").locator("[data-call]")
                ).to_have_count(2)
                await screenshot(shown, f"coaching-calls-{lang}-{width}x{height}")
                assert seen.errors == []
