"""In Debian's Chromium: a portal referral's sheet is downloaded and its ticket recorded.

The referral is issued through the services (the platform is attributed from
the bundled directory); liaison leo then works in the browser: opens the
dossier, downloads the sheet, and records the dispatch with the ticket number
the platform's portal gave. Screenshots go to test-artifacts/web/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from tests.dossiers.test_portal_referral import PlatformPipeline
from tests.web.browser import ARGS, ARTIFACTS, CHROMIUM, MARKS, serve
from tests.web.conftest import PASSWORD

pytestmark = MARKS
URL = "https://x.com/someone/status/1"


@pytest.fixture
def server(app: FastAPI, passwords: str) -> Iterator[str]:
    with serve(app) as url:
        yield url


def test_leo_downloads_the_portal_sheet_and_records_the_ticket(server: str, engine: Engine) -> None:
    from playwright.sync_api import sync_playwright

    pipe = PlatformPipeline(engine)
    pipe.approved(URL, host="US", channel="provider_referral")
    (draft,) = pipe.build().created
    issued = pipe.issue(draft.id)
    ref = issued.reference
    assert ref is not None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(f"{server}/login")
            page.fill("input[name=username]", "leo")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/items")

            page.goto(f"{server}/dossiers/{issued.id}")
            link = page.locator("table.files tr", has_text="sheet.txt").first.locator("a.download")
            with page.expect_download() as info:
                link.click()
            sheet = Path(info.value.path()).read_text(encoding="utf-8")
            assert sheet.startswith("PORTAL SUBMISSION SHEET") and URL in sheet
            assert "https://legalrequests.x.com" in sheet
            page.screenshot(path=str(ARTIFACTS / "40-portal-dossier.png"), full_page=True)

            page.click("nav.main >> text=Tracking")
            ready = page.locator("table.ready tr", has_text=ref)
            ready.locator("input[name=ticket_number]").fill("LRS-2026-0042")
            with page.expect_navigation():
                ready.locator("button[type=submit]").click()
            sent = page.locator(f"[id='dispatch-{ref}']")
            assert sent.locator("strong.ticket").inner_text() == "LRS-2026-0042"
            page.screenshot(path=str(ARTIFACTS / "41-portal-dispatched.png"), full_page=True)
        finally:
            browser.close()
