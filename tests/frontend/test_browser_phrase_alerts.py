"""A banned-phrase alert in headless Chromium against the real server: an admin makes the rule
on the alerts page (no window or threshold to fill), an agent says a banned Polish phrase, and
the alert is on the alerts page with who said what and the segment, and on a wall's alerts
tile without the segment; in English and Polish at every size. Screenshots go to
artifacts/screenshots/ (`phrase-alert-*`)."""

from __future__ import annotations

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
PROMISE = "Gwarantuję, że rata nie wzrośnie."
SAID = {
    "en": "Banned phrase: A1 (a1) said “gwarantuję*” (obietnice, queue Sales)",
    "pl": "Banned phrase: A1 (a1) powiedział(a) „gwarantuję*” (obietnice, kolejka Sales)",
}


async def test_the_alert_shows_who_said_what_and_the_segment_only_on_the_alerts_page(
    wall: Wall, page: Page, browser: Browser
) -> None:
    await make_org(wall.app.settings.database_url, wall.tenant_id, {"North": ["a1"]}, ("Sales",))
    wall.app.services.configs.invalidate(wall.tenant_id)
    await wall.api("POST", "/v1/phrase-lists", BANNED)
    await wall.api("PUT", "/v1/phrase-settings", {"keep_segments": True})

    await wall.login(page)
    await page.click("[data-nav=alerts]")
    rule = page.locator("[data-form=rule]")
    await rule.locator("input[name=name]").fill("Banned phrase")
    await rule.locator("select[name=metric]").select_option("banned_phrase")
    await expect(rule.get_by_test_id("phrase-rule-hint")).to_be_visible()
    await expect(rule.locator("input[name=threshold]")).to_be_hidden()
    await rule.locator("select[name=scope]").select_option("each_agent")
    await rule.locator("select[name=severity]").select_option("critical")
    await rule.locator("button[type=submit]").click()
    await expect(page.locator("tr[data-rule='Banned phrase']")).to_contain_text(
        "Banned phrase said"
    )
    [made] = await wall.api("GET", "/v1/alert-rules")
    assert (made["metric"], made["window"], made["op"], made["threshold"]) == (
        "banned_phrase",
        "live",
        ">",
        0,
    )

    board = await wall.api(
        "POST",
        "/v1/dashboards",
        {"name": "Alerts", "widgets": [{"id": "al", "type": "alerts", "w": 12, "h": 2}]},
    )
    t = now_ms() - 5000
    await wall.post(
        [
            ev("call.queued", t, call_id="c1", queue="Sales"),
            ev("call.answered", t + 1000, call_id="c1", agent="a1"),
            ev("call.transcript", t + 2000, call_id="c1", role="agent", text=PROMISE),
        ]
    )

    async def fired() -> bool:
        return len(await wall.api("GET", "/v1/alerts?state=firing")) == 1

    await eventually(fired, timeout=20)
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                shown = seen.page
                await wall.login(shown)
                await shown.goto(f"{wall.base_url}/alerts?lang={lang}")
                row = shown.locator("[data-testid=open-alerts] tr[data-alert]")
                await expect(row).to_have_count(1)
                await expect(row).to_contain_text(SAID[lang])
                await expect(row.get_by_test_id("said")).to_contain_text(PROMISE)
                await screenshot(shown, f"phrase-alert-page-{lang}-{width}x{height}")

                await shown.goto(f"{wall.base_url}/d/{board['id']}?lang={lang}")
                tile = shown.locator("[data-widget=al]")
                await expect(tile.locator(".alert")).to_contain_text(SAID[lang])
                assert PROMISE not in await tile.inner_text()
                await screenshot(shown, f"phrase-alert-wall-{lang}-{width}x{height}")
                assert seen.errors == []
