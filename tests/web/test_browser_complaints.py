"""In Debian's Chromium: a complaint from receipt to outcome. leo records it from the case
file, rita (who approved the request) is refused the review, sam upholds it, and leo marks
the withdrawal notice sent; the item's case file then says withdrawn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from tests.reports.conftest import World, build_world
from tests.web.browser import ARGS, ARTIFACTS, CHROMIUM, MARKS, serve
from tests.web.conftest import PASSWORD

pytestmark = MARKS


@pytest.fixture
def world(engine: Engine, staff: dict[str, str]) -> World:
    return build_world(engine)


@pytest.fixture
def server(app: FastAPI, passwords: str, world: World) -> Iterator[str]:
    with serve(app) as url:
        yield url


def _log_in(page: object, server: str, name: str) -> None:
    page.goto(f"{server}/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", name)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("form[action='/login'] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{server}/items")  # type: ignore[attr-defined]


def _log_out(page: object) -> None:
    page.click("button.link")  # type: ignore[attr-defined]


def test_a_complaint_walked_from_receipt_to_upheld_in_chromium(server: str, world: World) -> None:
    from playwright.sync_api import sync_playwright

    item = world.item_ids[1]  # a verified removal whose request rita approved
    shots = ARTIFACTS / "complaints"
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            _log_in(page, server, "leo")
            page.goto(f"{server}/items/{item}")
            section = page.locator("section.section-complaints")
            assert "No complaint about this item." in section.inner_text()
            section.locator("a[href^='/complaints?item=']").click()
            page.fill("input[name=complainant]", "The channel's owner, via the host")
            page.select_option("select[name=complainant_role]", "uploader")
            page.select_option("select[name=route]", "host_forwarded")
            page.fill("textarea[name=grounds]", "The video is a news report on the attack.")
            page.screenshot(path=str(shots / "01-receive.png"), full_page=True)
            page.click("form.complaint-receive button[type=submit]")
            page.wait_for_url(f"{server}/complaints/1?done=received")
            assert "The complaint is recorded" in page.locator("div.flash").inner_text()
            assert page.locator("dd.decision-due").inner_text()
            _log_out(page)

            _log_in(page, server, "rita")
            page.goto(f"{server}/complaints/1")
            page.click("form[action='/complaints/1/review'] button[type=submit]")
            page.wait_for_selector("text=rita approved the request")
            page.screenshot(path=str(shots / "02-approver-refused.png"), full_page=True)
            assert [m for m in problems if "409" in m] == problems  # the refusal, nothing else
            problems.clear()
            page.goto(f"{server}/items")
            _log_out(page)

            _log_in(page, server, "sam")
            page.goto(f"{server}/complaints/1")
            page.click("form[action='/complaints/1/review'] button[type=submit]")
            page.wait_for_url(f"{server}/complaints/1?done=review")
            page.check("input[name=outcome][value=upheld]")
            page.fill("textarea[name=reason]", "Reporting on the attack, not incitement.")
            page.click("form.complaint-decision button[type=submit]")
            page.wait_for_url(f"{server}/complaints/1?done=upheld")
            notice = page.locator("pre.addressee-notice").inner_text()
            assert notice.startswith("To: Hostinger Abuse Desk Gmbh")
            assert f"we withdraw our request {world.refs[0]}" in notice
            page.screenshot(path=str(shots / "03-upheld.png"), full_page=True)
            _log_out(page)

            _log_in(page, server, "leo")
            page.goto(f"{server}/complaints/1")
            page.click("form[action='/complaints/1/told'] button[type=submit]")
            page.wait_for_url(f"{server}/complaints/1?done=told")
            assert "Sent to the addressee on" in page.locator("p.told").inner_text()
            page.goto(f"{server}/items/{item}")
            section = page.locator("section.section-complaints")
            assert "upheld" in section.inner_text()
            page.screenshot(path=str(shots / "04-case-file.png"), full_page=True)
            assert page.locator("text=withdrawn").count() >= 1
        finally:
            browser.close()
    assert problems == []  # no CSP violation or failed request anywhere else
