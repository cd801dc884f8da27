"""The phrase lists tab of the administration page (`/admin/phrases`) in headless Chromium
against the real server: an admin creates a required list with a time limit and a banned list,
changes one (the change survives a reload), sees the API's refusals by the phrases and name
fields, and deletes one; a team lead reads the lists without forms; the tab speaks Polish; and
`look-admin-phrases-LANG-WxH` screenshots at every size in both languages."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Locator, Page, expect

from app.auth.roles import Role
from tests.auth.support import make_user
from tests.frontend.conftest import Wall, screenshot
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, browsing
from tests.helpers import eventually

GREETING = {
    "name": "greeting",
    "kind": "required",
    "role": "agent",
    "phrases": ["Dzień dobry", "nazywam się*", "good morning"],
    "within_s": 30,
}
PROMISES = {"name": "promises", "kind": "banned", "role": "any", "phrases": ["gwarantuję*"]}


async def stored(wall: Wall) -> dict[str, dict[str, object]]:
    return {item["name"]: item for item in await wall.api("GET", "/v1/phrase-lists")}


async def open_phrases(wall: Wall, page: Page) -> None:
    await wall.login(page)
    await page.click("[data-nav=admin]")
    await page.click("[data-tab=phrases]")
    await expect(page).to_have_url(f"{wall.base_url}/admin/phrases")


async def fill_list(form: Locator, name: str, kind: str, role: str, phrases: str) -> None:
    await form.locator("input[name=name]").fill(name)
    await form.locator("select[name=kind]").select_option(kind)
    await form.locator("select[name=role]").select_option(role)
    await form.locator("textarea[name=phrases]").fill(phrases)


async def test_admin_creates_changes_and_deletes_phrase_lists(wall: Wall, page: Page) -> None:
    await open_phrases(wall, page)
    hint = page.get_by_test_id("phrase-hint").first
    await expect(hint).to_contain_text("rezygn*")
    await expect(hint).to_contain_text("ignores case and diacritics")
    await expect(page.get_by_test_id("no-lists")).to_be_visible()

    new = page.locator("form[data-form=new-phrase-list]")
    # a required list, said within the first 30 s; blank lines are not phrases
    await fill_list(
        new, "greeting", "required", "agent", "Dzień dobry\n\nnazywam się*\ngood morning"
    )
    await new.locator("input[name=within_s]").fill("30")
    await new.locator("button[type=submit]").click()
    greeting = page.locator("section[data-list=greeting]")
    await expect(greeting.get_by_test_id("summary")).to_have_text(
        "Required (script) · Agent's · within the first 30 s · Phrases: 3"
    )
    lists = await stored(wall)
    assert lists["greeting"]["kind"] == "required"
    assert lists["greeting"]["within_s"] == 30
    assert lists["greeting"]["phrases"] == ["Dzień dobry", "nazywam się*", "good morning"]
    # the form is empty again, ready for a required list
    await expect(new.locator("input[name=name]")).to_have_value("")
    await expect(new.locator("input[name=within_s]")).to_be_enabled()

    # a banned list has no time limit: the field is off and nothing is sent for it
    await fill_list(new, "promises", "banned", "any", "gwarantuję*\nza darmo")
    await expect(new.locator("input[name=within_s]")).to_be_disabled()
    await new.locator("button[type=submit]").click()
    promises = page.locator("section[data-list=promises]")
    await expect(promises.get_by_test_id("summary")).to_have_text(
        "Banned · Agent's and customer's · Phrases: 2"
    )
    await expect(page.locator("section[data-list]")).to_have_count(2)
    await expect(page.get_by_test_id("no-lists")).to_have_count(0)
    lists = await stored(wall)
    assert (lists["promises"]["kind"], lists["promises"]["role"]) == ("banned", "any")
    assert lists["promises"]["within_s"] is None
    await expect(promises.locator("input[name=within_s]")).to_be_disabled()

    # change the greeting (PATCH): 45 s, the customer's words too, one phrase more
    await greeting.locator("input[name=within_s]").fill("45")
    await greeting.locator("select[name=role]").select_option("any")
    await greeting.locator("textarea[name=phrases]").fill(
        "Dzień dobry\nnazywam się*\ngood morning\nmy name is"
    )
    await greeting.locator("button[type=submit]").click()
    await expect(page.locator("[role=status]")).to_have_text("Saved")

    async def changed() -> bool:
        return (await stored(wall))["greeting"]["version"] == 2

    # the creation's "Saved" may still show: wait for the stored change itself
    await eventually(changed, timeout=10)
    await page.reload()
    greeting = page.locator("section[data-list=greeting]")
    await expect(greeting.locator("input[name=within_s]")).to_have_value("45")
    await expect(greeting.locator("select[name=role]")).to_have_value("any")
    await expect(greeting.locator("textarea[name=phrases]")).to_have_value(
        "Dzień dobry\nnazywam się*\ngood morning\nmy name is"
    )
    await expect(greeting.get_by_test_id("summary")).to_contain_text("within the first 45 s")
    lists = await stored(wall)
    assert lists["greeting"]["within_s"] == 45
    assert lists["greeting"]["role"] == "any"
    assert lists["greeting"]["version"] == 2
    await screenshot(page, "admin-phrases")

    # refusals of the API: by the phrases field, with the textarea's line, once, in words
    phrases = greeting.locator("textarea[name=phrases]")
    note = greeting.locator("[data-field-error=phrases]")
    await phrases.fill("Dzień dobry\n\n" + "x" * 101)
    await greeting.locator("button[type=submit]").click()
    await expect(note).to_have_text("Line 3: Must have at most 100 characters.")
    await expect(phrases).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("[role=alert]")).to_have_count(1)
    text = await page.locator("fw-admin-phrases").inner_text()
    assert "body." not in text, text
    assert "String should" not in text, text
    await screenshot(page, "admin-phrases-refused")
    await phrases.fill("Zł\nzl")
    await expect(note).to_have_count(0)  # the mark goes as the field changes
    await greeting.locator("button[type=submit]").click()
    await expect(note).to_have_text("“zl” matches what “Zł” matches already.")
    await phrases.fill("  \n ")  # nothing but blanks: no phrase at all
    await greeting.locator("button[type=submit]").click()
    await expect(note).to_have_text("Enter at least one phrase.")
    assert (await stored(wall))["greeting"]["version"] == 2  # nothing was changed

    await fill_list(new, "greeting", "signal", "customer", "konkurencja")
    await new.locator("button[type=submit]").click()
    await expect(new.locator("[data-field-error=name]")).to_have_text(
        "A phrase list named 'greeting' exists already."
    )
    await new.locator("input[name=name]").fill("bad name!")
    await new.locator("button[type=submit]").click()
    await expect(new.locator("[data-field-error=name]")).to_have_text(
        "Letters, digits, _ and - only: the name is part of the list's metric names."
    )
    assert sorted(await stored(wall)) == ["greeting", "promises"]

    page.on("dialog", lambda dialog: dialog.accept())
    await promises.locator("button.danger").click()
    await expect(page.locator("section[data-list=promises]")).to_have_count(0)
    await expect(page.locator("section[data-list]")).to_have_count(1)
    assert sorted(await stored(wall)) == ["greeting"]


async def test_a_team_lead_reads_the_lists_without_forms(wall: Wall, page: Page) -> None:
    await wall.api("POST", "/v1/phrase-lists", GREETING)
    await wall.api("POST", "/v1/phrase-lists", PROMISES)
    await wall.api("POST", "/v1/teams", {"name": "North"})
    await make_user(
        wall.app.settings.database_url, wall.tenant_id, "lead", Role.team_lead, teams=("North",)
    )
    wall.username = "lead"
    await open_phrases(wall, page)
    await expect(page.get_by_test_id("read-only")).to_be_visible()
    row = page.locator("tr[data-list=greeting]")
    await expect(row).to_contain_text("Required (script)")
    await expect(row).to_contain_text("within the first 30 s")
    await expect(row).to_contain_text("Dzień dobry · nazywam się* · good morning")
    await expect(page.locator("tr[data-list=promises]")).to_contain_text("Banned")
    await expect(page.locator("fw-admin-phrases form")).to_have_count(0)
    await expect(page.locator("fw-admin-phrases button")).to_have_count(0)

    await page.click("fw-locale-switch button:text-is('PL')")
    await expect(page.locator("[data-tab=phrases]")).to_have_text("Listy fraz")
    await expect(row).to_contain_text("Wymagane (skrypt)")
    await expect(row).to_contain_text("w pierwszych 30 s")
    await expect(page.locator("fw-admin-phrases th").nth(2)).to_have_text("Czyje słowa")
    await expect(page.locator("fw-admin-phrases th").nth(4)).to_have_text("Frazy")
    await screenshot(page, "admin-phrases-team-lead-pl")


async def test_the_tab_in_both_languages_at_every_size(wall: Wall, browser: Browser) -> None:
    await wall.api("POST", "/v1/phrase-lists", GREETING)
    await wall.api("POST", "/v1/phrase-lists", PROMISES)
    labels = {
        "en": ("Phrase lists", "Whose words", "Said within the first (s)", "diacritics"),
        "pl": ("Listy fraz", "Czyje słowa", "Powiedziane w pierwszych (s)", "diakrytyczne"),
    }
    for lang, locale in LANGUAGES.items():
        tab, whose, within, hint = labels[lang]
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                page = seen.page
                await wall.login(page)
                await page.goto(f"{wall.base_url}/admin/phrases?lang={lang}")
                await expect(page.locator("[data-tab=phrases]")).to_have_text(tab)
                await expect(page.locator("[data-tab=phrases]")).to_be_in_viewport()
                new = page.locator("form[data-form=new-phrase-list]")
                await expect(new.locator("label").nth(2)).to_contain_text(whose)
                await expect(new.locator("label").nth(3)).to_contain_text(within)
                await expect(page.get_by_test_id("phrase-hint")).to_contain_text(hint)
                await expect(page.locator("section[data-list]")).to_have_count(2)
                await screenshot(page, f"look-admin-phrases-{lang}-{width}x{height}")
                assert seen.errors == [], seen.errors

    # a refusal in Polish
    async with browsing(browser, 1366, 768, LANGUAGES["pl"]) as seen:
        await wall.login(seen.page)
        await seen.page.goto(f"{wall.base_url}/admin/phrases?lang=pl")
        greeting = seen.page.locator("section[data-list=greeting]")
        await greeting.locator("textarea[name=phrases]").fill("dobry\n" + "y" * 101)
        await greeting.locator("button[type=submit]").click()
        await expect(greeting.locator("[data-field-error=phrases]")).to_have_text(
            "Wiersz 2: Najwyżej 100 znaków."
        )
        await screenshot(seen.page, "look-admin-phrases-refused-pl-1366x768")
