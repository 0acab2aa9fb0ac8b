"""End to end in Debian's Chromium: one URL from report to verified removal.

On the demo internet (loopback DNS and HTTP): analyst alice reports, captures,
attributes, assesses and proposes; legal reviewer rita approves; liaison leo
builds and issues the dossier, downloads its PDF, records the dispatch and the
host's answer; the host takes the page down and the monitor, started from the
tracking board, verifies the removal. A screenshot of every page goes to
test-artifacts/web/ (git-ignored).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from comity.core.settings import Settings, override_settings
from comity.demo.internet import DemoInternet, start
from comity.web.app import create_app
from tests.web.browser import ARGS, ARTIFACTS, CHROMIUM, MARKS, serve
from tests.web.conftest import PASSWORD

URL = "http://blog.kaz-demo-blog.example/demo/post-1"

pytestmark = MARKS


@pytest.fixture
def demo_net() -> Iterator[DemoInternet]:
    with start() as net:
        yield net


@pytest.fixture
def server(settings: Settings, passwords: str, demo_net: DemoInternet) -> Iterator[str]:
    """The web application on the demo internet, in a thread on a free loopback port."""
    demo = settings.model_copy(
        update={
            "mode": "development",
            "dns_servers": (f"127.0.0.1:{demo_net.dns_port}",),
            "connect_overrides": tuple(
                f"{name}={h}:{p}" for name, (h, p) in demo_net.address_map().items()
            ),
        }
    )
    with override_settings(demo), serve(create_app(demo)) as url:
        yield url


class Shots:
    def __init__(self, page: Any) -> None:
        self.page, self.n = page, 20  # 01-07 belong to test_browser.py

    def __call__(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{self.n:02d}-{name}.png"), full_page=True)
        self.n += 1


def _log_in(page: Any, server: str, name: str) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/items")


def _log_out(page: Any, server: str) -> None:
    page.click("header button.link")
    page.wait_for_url(f"{server}/login")


def _action(page: Any, value: str) -> None:
    """Press an item action button (the panel is loaded by htmx) and wait for the item page."""
    page.wait_for_selector(f"#item-actions button[value={value}]")
    with page.expect_navigation():
        page.click(f"#item-actions button[value={value}]")
    page.wait_for_selector(f"#item-actions button[value={value}]")


def test_report_to_verified_removal_in_the_browser(server: str, demo_net: DemoInternet) -> None:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 860}, accept_downloads=True
            )
            page = context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            shot = Shots(page)

            _log_in(page, server, "alice")
            page.goto(f"{server}/intake")
            page.fill("input[name=url]", URL)
            page.select_option("select[name=conduct]", "terrorism.glorification")
            shot("intake")
            page.click("form[action='/intake'] button[type=submit]")
            page.wait_for_url(f"{server}/items/*")
            item_url = page.url
            item_id = int(item_url.rsplit("/", 1)[1])
            shot("item-reported")

            _action(page, "capture")
            assert "page captured" in page.locator(".section-evidence").inner_text()
            shot("item-captured")
            _action(page, "attribute")
            assert "Germany" in page.locator(".section-attribution").inner_text()
            # The form shows the facts the provisions read; the others are folded away.
            assert not page.locator("select[name=fact_danger]").is_visible()
            page.click("details.other-facts > summary")
            for fact in ("public", "intent", "danger"):
                page.select_option(f"select[name=fact_{fact}]", "true")
            shot("item-assess-form")
            _action(page, "assess")
            propose = page.locator("form.propose[data-host=DE]").first
            channel = propose.locator("select[name=channel] option").first.get_attribute("value")
            propose.locator("textarea[name=note]").fill(
                "Removal of this one URL only; the rest of the blog is not targeted."
            )
            shot("item-propose-form")
            with page.expect_navigation():
                propose.locator("button[type=submit]").click()
            page.wait_for_selector("#item-actions td >> text=proposed")
            shot("item-proposed")
            _log_out(page, server)

            _log_in(page, server, "rita")
            page.click("nav.main >> text=Review")
            card = page.locator("section.review").filter(has_text=URL)
            assert card.count() == 1
            assert card.locator(".flash.error").count() == 0, card.inner_text()
            decide = card.locator("form.decide")
            # A conditional assessment is approved only with the missing facts named.
            for box in decide.locator("input[name=established]").all():
                box.check()
            decide.locator("textarea[name=reason]").fill(
                "Dual criminality established (DE): the missing facts are shown on the capture."
            )
            shot("review-queue")
            decide.locator("button[value=approve]").click()
            page.wait_for_selector(".flash.ok")
            shot("review-approved")
            _log_out(page, server)

            _log_in(page, server, "leo")
            page.click("nav.main >> text=Dossiers")
            page.select_option("select[name=channel]", channel)
            page.fill("input[name=host]", "DE")
            page.click("form.build button[type=submit]")
            page.wait_for_selector("table.dossiers tbody td a")
            shot("dossiers-built")
            page.locator("table.dossiers tbody tr").first.locator("a").first.click()
            page.wait_for_selector("text=Issue dossier")
            shot("dossier-draft")
            with page.expect_download() as draft_info:
                page.locator("form.preview button[value^='pdf/']").first.click()
            draft = Path(draft_info.value.path()).read_bytes()
            pages = [pg.extract_text() or "" for pg in PdfReader(io.BytesIO(draft)).pages]
            assert all("DRAFT" in text for text in pages)
            assert not any("KZ-CTC/" in text for text in pages)
            with page.expect_navigation():
                page.click("text=Issue dossier")
            page.wait_for_selector("table.files")
            shot("dossier-issued")
            reference = page.locator("h1").inner_text()
            link = page.locator("table.files tr", has_text="pdf").first.locator("a.download")
            with page.expect_download() as info:
                link.click()
            pdf = Path(info.value.path()).read_bytes()
            assert pdf.startswith(b"%PDF")
            text = "".join(pg.extract_text() or "" for pg in PdfReader(io.BytesIO(pdf)).pages)
            assert "blog.kaz-demo-blog.example" in text.replace("\n", "")

            page.click("nav.main >> text=Tracking")
            ref = reference.split("·")[1].split()[0]
            ready = page.locator("table.ready tr", has_text=ref)
            assert ready.count() == 1
            shot("tracking-ready")
            with page.expect_navigation():
                ready.locator("button[type=submit]").click()
            page.wait_for_selector(f"[id='dispatch-{ref}']")
            sent = page.locator(f"[id='dispatch-{ref}']")
            assert sent.inner_text().count(f"Item {item_id}") == 1
            shot("tracking-sent")

            # The host answers that the page is removed; the monitor has to confirm it.
            row = sent.locator("tr", has_text=f"Item {item_id}")
            row.locator("select[name=decision]").select_option("removed")
            with page.expect_navigation():
                row.locator("button[type=submit]").click()
            row = page.locator(f"[id='dispatch-{ref}'] tr", has_text=f"Item {item_id}")
            answered = row.text_content() or ""
            assert "answered" in answered and "removed" in answered, answered
            shot("tracking-answered")
            demo_net.take_down("blog.kaz-demo-blog.example")
            with page.expect_navigation():
                page.click("form.monitor button[type=submit]")
            row = page.locator(f"[id='dispatch-{ref}'] tr", has_text=f"Item {item_id}")
            verified = row.locator(".state").text_content()
            assert verified == "verified removed", row.text_content()
            verdict = row.locator(".tag .code-label").first  # the monitor's verdict, in words
            assert verdict.text_content() == "Gone"
            assert (verdict.get_attribute("title") or "").endswith("[removed]")
            shot("tracking-verified")
            page.goto(item_url)
            assert page.locator("h1 .state").text_content() == "verified removed"
            shot("item-verified")
        finally:
            browser.close()
    assert problems == []
