"""In Debian's Chromium: what staff write cannot push the case file or the review page sideways.

A report note and a proposal note holding a 300-letter word, a long run of
Arabic with no space, and a mix of Cyrillic, Latin, Arabic and Hebrew are
shown on the item's case file (analyst) and on the review page (legal
reviewer). At a laptop's width and at a narrow one, nothing may overflow the
page (no horizontal scroll), every note must stay inside its own table or
list, and the text must read back exactly as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from comity.cases import service as cases
from comity.core.db import session_scope
from comity.intake.service import add_report
from tests.web.browser import ARGS, ARTIFACTS, CHROMIUM, MARKS, serve
from tests.web.conftest import PASSWORD

pytestmark = MARKS

LONG = "Ж" * 300
RTL_RUN = "مرحبا" * 60
MIXED = "Расследование KZ-77 مرحبا بالعالم שלום עולם Қазақстан oʻzbek Türkiye"
REPORT_NOTE = f"Пост {LONG} удалить"
PROPOSAL_NOTE = f"{RTL_RUN} {MIXED}"


@pytest.fixture
def server(app: FastAPI, passwords: str) -> Iterator[str]:
    with serve(app) as url:
        yield url


@pytest.fixture
def item_id(engine: Engine, staff: dict[str, str]) -> int:
    with session_scope(engine) as session:
        item, _, _ = add_report(
            session=session,
            url="https://de.example/staff-text",
            conduct="terrorism.incitement",
            note=REPORT_NOTE,
            actor="alice",
        )
        found = item.id
    with session_scope(engine) as session:
        cases.propose(
            session=session,
            item_id=found,
            host="DE",
            channel="diplomatic_request",
            note=PROPOSAL_NOTE,
            actor="alice",
            facts={"public": "true", "intent": "true", "danger": "true"},
        )
    return found


_LAYOUT = """() => {
  const root = document.documentElement;
  const notes = [...document.querySelectorAll('.note')].map(el => {
    const box = el.getBoundingClientRect();
    const frame = (el.closest('table') || el.closest('dl') || el.parentElement)
      .getBoundingClientRect();
    return {text: el.innerText, right: box.right, frameRight: frame.right};
  });
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5)
    .slice(0, 5)
    .map(el => `${el.tagName}.${el.className} ${el.getBoundingClientRect().right}`);
  return {scroll: root.scrollWidth, width: root.clientWidth, notes, wide};
}"""


def _check(page: Any, expected: list[str], where: str) -> None:
    layout = page.evaluate(_LAYOUT)
    assert layout["scroll"] <= layout["width"], (
        f"{where}: the page scrolls sideways {layout['wide']}"
    )
    texts = [n["text"] for n in layout["notes"]]
    for note in expected:
        assert any(note in " ".join(t.split()) for t in texts), (where, note[:40])
    for n in layout["notes"]:
        assert n["right"] <= layout["width"] + 0.5, (where, n["text"][:40])
        assert n["right"] <= n["frameRight"] + 0.5, (where, n["text"][:40])


@pytest.mark.parametrize("width", [1280, 720])
def test_long_words_and_mixed_scripts_written_by_staff_stay_inside_the_page(
    server: str, item_id: int, width: int
) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for user, path, expected in (
                ("alice", f"/items/{item_id}", [REPORT_NOTE, PROPOSAL_NOTE]),
                ("rita", "/review", [PROPOSAL_NOTE]),
            ):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(f"{server}/login")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{server}/items")
                page.goto(f"{server}{path}")
                _check(page, expected, f"{path} at {width}px")
                name = "item" if path.startswith("/items") else "review"
                page.screenshot(
                    path=str(ARTIFACTS / f"60-staff-text-{name}-{width}.png"), full_page=True
                )
                page.close()
        finally:
            browser.close()
