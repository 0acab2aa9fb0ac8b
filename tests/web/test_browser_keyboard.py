"""The main job by keyboard alone, in Debian's Chromium (WCAG 2.1.1 keyboard, 2.4.7 focus visible).

An analyst reports a URL on the intake form, proposes a request for an assessed
item on its case file, and a legal reviewer approves it on the review page:
each control is reached with Tab (Shift+Tab never needed), a choice in a list
is made with the arrow keys, a check box ticked with Space and a form sent with
Enter. No mouse event is sent. At every Tab stop the focused element must be a
control of the page and must show the focus ring (`:focus-visible` with a
visible outline); focus leaves the page only past its last control, and the
next Tab brings it back to the top (the skip link).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select

from comity.cases.models import Proposal
from comity.core.db import read_session, session_scope
from comity.core.settings import Settings
from comity.evidence.service import capture_configured
from comity.intake.models import Item
from comity.intake.service import add_report
from comity.law.store import assess_item
from tests.cases.conftest import attribute_directly
from tests.evidence.servers import WebServer, page
from tests.web.browser import ARGS, CHROMIUM, MARKS, serve
from tests.web.conftest import PASSWORD

pytestmark = MARKS

REPORTED = "https://keyboard.example/post/7"
MAX_TABS = 400  # a long case file has many links before its forms

# The focused element, and whether a sighted keyboard user can see where focus is.
_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {lost: true};
  const cs = getComputedStyle(el);
  return {
    lost: false,
    tag: el.tagName, name: el.getAttribute('name') || '', text: (el.innerText || '').slice(0, 40),
    ring: el.matches(':focus-visible') && cs.outlineStyle !== 'none'
      && parseFloat(cs.outlineWidth) >= 2,
  };
}"""


class Keyboard:
    """Moves through a page with Tab and records any stop without a visible focus ring."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.stops = 0
        self.problems: list[str] = []

    def tab_to(self, selector: str) -> None:
        wrapped = False
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            self.stops += 1
            focus = self.page.evaluate(_FOCUS)
            where = f"{self.page.url} after {self.stops} Tabs"
            if focus["lost"]:
                # Past the page's last control focus leaves for the browser's own
                # controls; the next Tab must come back at the top, on the skip link.
                if wrapped:
                    self.problems.append(f"{where}: focus lost (on the body twice)")
                wrapped = True
                continue
            if wrapped and not self.page.evaluate("() => document.activeElement.matches('a.skip')"):
                self.problems.append(f"{where}: after the page's end, focus is not at its top")
            wrapped = False
            if not focus["ring"]:
                self.problems.append(f"{where}: no visible focus on {focus}")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"{selector} not reached with {MAX_TABS} Tabs on {self.page.url}")

    def choose(self, selector: str, value: str) -> None:
        """Tab to a <select> and move to `value` with the arrow keys."""
        self.tab_to(selector)
        for _ in range(200):
            if self.page.evaluate("() => document.activeElement.value") == value:
                return
            self.page.keyboard.press("ArrowDown")
        pytest.fail(f"{value!r} not reached in {selector}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def send(self, selector: str) -> None:
        """Tab to a submit button and press Enter; wait for the page it leads to."""
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


@pytest.fixture
def web() -> Iterator[WebServer]:
    server = WebServer()
    yield server
    server.close()


@pytest.fixture
def assessed(engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer) -> int:
    """An item captured, hosted in Germany and assessed: ready to propose."""
    web.routes["/post"] = page(
        b"<html><body><p>Join the fighters.</p></body></html>", Content_Type="text/html"
    )
    with session_scope(engine) as session:
        item, _, _ = add_report(
            session=session,
            url=web.url("/post"),
            conduct="terrorism.incitement",
            note="The post calls to join.",
            actor="alice",
            allow=settings.fetch_allow,
        )
        item_id = item.id
    capture_configured(
        engine=engine, settings=settings, item_ids=[item_id], actor="alice", screenshot=False
    )
    attribute_directly(engine, item_id, "DE")
    with session_scope(engine) as session:
        assess_item(
            session=session,
            item_id=item_id,
            facts={"public": "true", "intent": "true", "danger": "true"},
            actor="alice",
        )
    return item_id


def _log_in(keys: Keyboard, server: str, name: str) -> None:
    keys.page.goto(f"{server}/login")
    keys.type_into("input[name=username]", name)
    keys.type_into("input[name=password]", PASSWORD)
    keys.send("button[type=submit]")


def test_report_propose_and_approve_with_the_keyboard_only(
    app: FastAPI, passwords: str, engine: Engine, assessed: int
) -> None:
    from playwright.sync_api import sync_playwright

    with serve(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page_ = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            keys = Keyboard(page_)
            # The analyst reports a URL.
            _log_in(keys, server, "alice")
            page_.goto(f"{server}/intake")
            keys.tab_to("a.skip")  # the first stop: the skip link, shown when focused
            keys.type_into("form[action='/intake'] input[name=url]", REPORTED)
            keys.choose("form[action='/intake'] select[name=conduct]", "terrorism.glorification")
            keys.send("form[action='/intake'] button[type=submit]")
            assert "/items/" in page_.url and page_.locator(".flash.ok").count() == 1
            # ... and proposes a request for the assessed item.
            page_.goto(f"{server}/items/{assessed}")
            page_.wait_for_selector("#item-actions:not([hx-get])")
            form = "form.propose[data-host=DE]"
            keys.type_into(f"{form} textarea[name=note]", "This one URL only.")
            keys.send(f"{form} button[type=submit]")
            assert page_.locator(".flash.ok").count() == 1
            page_.goto(f"{server}/items")  # log out, by keyboard too
            keys.send("header button.link")
            # The legal reviewer approves it.
            _log_in(keys, server, "rita")
            page_.goto(f"{server}/review")
            decide = "section.review form.decide"
            keys.type_into(f"{decide} textarea[name=reason]", "Dual criminality established.")
            for box in page_.locator(f"{decide} input[name=established]").all():
                keys.tab_to(
                    f"{decide} input[name=established][value='{box.get_attribute('value')}']"
                )
                page_.keyboard.press("Space")
            keys.send(f"{decide} button[value=approve]")
            assert page_.locator(".flash.ok").count() == 1
        finally:
            browser.close()
    with read_session(engine) as session:
        assert session.scalars(select(Item.id).where(Item.url == REPORTED)).one()
        proposal = session.scalars(select(Proposal).where(Proposal.item_id == assessed)).one()
        assert proposal.state == "approved", proposal.state
        assert proposal.note == "This one URL only."
    assert keys.stops > 10
    assert not keys.problems, "\n".join(keys.problems[:20])
