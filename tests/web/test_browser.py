"""End to end in Debian's Chromium (no browser download): log in, report, worklist, item.

Screenshots of each page go to test-artifacts/web/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from tests.web.browser import ARGS, ARTIFACTS, CHROMIUM, MARKS, serve
from tests.web.conftest import PASSWORD

pytestmark = MARKS


@pytest.fixture
def server(app: FastAPI, passwords: str) -> Iterator[str]:
    with serve(app) as url:
        yield url


def test_log_in_report_a_url_see_it_in_the_worklist_and_open_it(server: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # Any CSP violation (an inline script or style) shows up as a console error.
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(f"{server}/items")
            assert page.url.startswith(f"{server}/login?next=")
            page.screenshot(path=str(ARTIFACTS / "01-login.png"), full_page=True)
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/items")
            assert page.locator("text=alice").count() >= 1

            page.click("nav.main >> text=Intake")
            page.fill("input[name=url]", "https://propaganda.example/video/42?utm_source=tg")
            page.select_option("select[name=conduct]", "terrorism.recruitment")
            page.fill("textarea[name=note]", "<b>recruitment</b> video, shared on a channel")
            page.screenshot(path=str(ARTIFACTS / "02-intake.png"), full_page=True)
            page.click("form[action='/intake'] button[type=submit]")
            page.wait_for_url(f"{server}/items/1")
            assert page.locator("p.url").inner_text() == "https://propaganda.example/video/42"
            assert page.locator("td.note").inner_text().startswith("<b>recruitment</b>")
            page.screenshot(path=str(ARTIFACTS / "03-item.png"), full_page=True)

            page.click("nav.main >> text=Worklist")
            row = page.locator("table.grid tbody tr").first
            assert "propaganda.example" in row.inner_text()
            page.screenshot(path=str(ARTIFACTS / "04-worklist.png"), full_page=True)
            # htmx: changing a select reloads the list in place and pushes the URL.
            page.select_option("select[name=state]", "approved")
            page.wait_for_url("**state=approved**")
            page.wait_for_selector("text=No items match these filters.")
            page.select_option("select[name=state]", "reported")
            page.wait_for_selector("td.url >> text=propaganda.example")
            page.click("td.url a")
            page.wait_for_url(f"{server}/items/1")

            page.click("nav.main >> text=Law")
            page.screenshot(path=str(ARTIFACTS / "05-law.png"), full_page=True)
            page.goto(f"{server}/law/compare?requesting=KZ&other=DE&other=US")
            page.screenshot(path=str(ARTIFACTS / "06-compare.png"), full_page=True)
            page.click("a[href^='/lang?to=ru']")
            page.wait_for_selector("text=Сопоставительная таблица")
            page.goto(f"{server}/items")
            page.screenshot(path=str(ARTIFACTS / "07-worklist-ru.png"), full_page=True)
            page.click("button.link")  # log out
            page.wait_for_url(f"{server}/login")
        finally:
            browser.close()
    assert problems == []
