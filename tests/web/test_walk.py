"""The whole job walked in Debian's Chromium as each role, in English, Russian and Kazakh.

On the demo internet (loopback DNS and HTTP), once per language: analyst alice
reports, captures, attributes, assesses and proposes; legal reviewer rita approves;
liaison leo builds, issues and sends the dossier and records the host's answer, and
the monitor verifies the removal; supervisor sam and auditor aud read the case file,
the dashboard and the reports. On every page: axe-core (bundled, no network) must
find no serious or critical violation, and the visible text must hold no program
code (nor, in ru and kk, an English label). The finished item page must be the
case file with all its sections. One screenshot per page and language goes to
docs/screenshots/ (viewport, reduced to 256 colours to keep the set small).

Marked `walk`: a long suite that runs once in CI (`make walk`), not once per database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from comity.demo.internet import DemoInternet
from tests.web import test_e2e_pipeline as e2e
from tests.web.browser import ARGS, CHROMIUM, MARKS
from tests.web.conftest import PASSWORD
from tests.web.test_words_not_codes import (
    ISO_DATE,
    codes_shown,
    english_labels_shown,
    visible_text,
)

URL = "http://blog.kaz-demo-blog.example/demo/post-1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# What fails the walk: axe's two highest impacts, on the WCAG 2.x A/AA rules.
BLOCKING = {"serious", "critical"}
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
CASE_FILE = ("h-what", "evidence", "attribution", "assessments", "proposals")
CASE_FILE += ("dossiers", "requests", "monitor", "timeline")

# Pages shown whole in the screenshots (the others: the first screen).
FULL_PAGE = {"case-file"}

# The demo internet and the application on it, as the end-to-end test serves them.
demo_net, server = e2e.demo_net, e2e.server

pytestmark = [*MARKS, pytest.mark.walk]


class Walk:
    """Looks at every page: screenshot, axe, words not codes; collects what is wrong."""

    def __init__(self, page: Any, server: str, lang: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.server, self.lang = page, server, lang
        self.axe = Axe()
        self.role = ""
        self.shot: set[str] = set()
        self.problems: list[str] = []
        self.pages = 0

    def look(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        if page.locator("#item-actions[hx-get]").count():  # htmx still to load the actions
            page.wait_for_selector("#item-actions:not([hx-get])")
        where = f"[{self.lang}] {self.role} {name} ({page.url})"
        self.pages += 1
        if name not in self.shot:
            self.shot.add(name)
            path = SCREENSHOTS / f"{self.lang}-{len(self.shot):02d}-{name}.png"
            self._screenshot(path, full=name in FULL_PAGE)
        results = self.axe.run(page, options=AXE_OPTIONS)
        for v in results.response["violations"]:
            if v.get("impact") in BLOCKING:
                nodes = "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
                self.problems.append(f"{where}: axe {v['impact']} {v['id']}: {nodes}")
        text = visible_text(page.content(), self.lang)
        codes = codes_shown(text)
        if self.lang == "en":  # a one-word code ("approved") is an English word as well
            codes = {code for code in codes if "." in code or "_" in code}
        english = english_labels_shown(text, self.lang) if self.lang != "en" else set()
        if codes or english:
            self.problems.append(f"{where}: codes {sorted(codes)} English {sorted(english)}")
        if raw := ISO_DATE.findall(text):
            self.problems.append(f"{where}: raw dates {raw[:3]}")

    def _screenshot(self, path: Path, *, full: bool) -> None:
        from PIL import Image

        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=full)
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(colors=256)
        small.save(path, optimize=True)

    def log_in(self, name: str, role: str) -> None:
        page, server = self.page, self.server
        self.role = role
        page.goto(f"{server}/login")
        self.look("login")
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/items")
        self.look("worklist")

    def log_out(self) -> None:
        self.page.click("header button.link")
        self.page.wait_for_url(f"{self.server}/login")

    def nav(self, path: str, name: str) -> None:
        self.page.click(f"nav.main a[href='{path}']")
        self.page.wait_for_url(f"{self.server}{path}*")
        self.look(name)

    def action(self, value: str) -> None:
        """Press an item action button (htmx loads the panel) and wait for the item page."""
        page = self.page
        page.wait_for_selector(f"#item-actions button[value={value}]")
        with page.expect_navigation():
            page.click(f"#item-actions button[value={value}]")
        page.wait_for_selector(f"#item-actions button[value={value}]")


def code_of(locator: Any) -> str:
    """The code behind a label: `w.html` keeps it in the title as "hint [code]"."""
    title = locator.get_attribute("title") or ""
    return title.rsplit("[", 1)[1].rstrip("]") if "[" in title else title


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_the_whole_job_as_each_role(server: str, demo_net: DemoInternet, lang: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 800}, accept_downloads=True
            )
            context.add_cookies([{"name": "comity_lang", "value": lang, "url": server}])
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            walk = Walk(page, server, lang)
            channel = _analyst(walk)
            _reviewer(walk)
            item_url = _liaison(walk, demo_net, channel)
            _readers(walk, item_url)
        finally:
            browser.close()
    assert walk.pages >= 25
    assert errors == []
    assert not walk.problems, "\n".join(walk.problems)


def _analyst(walk: Walk) -> str:
    page, server = walk.page, walk.server
    walk.log_in("alice", "analyst")
    walk.nav("/intake", "intake")
    page.fill("input[name=url]", URL)
    page.select_option("select[name=conduct]", "terrorism.glorification")
    page.click("form[action='/intake'] button[type=submit]")
    page.wait_for_url(f"{server}/items/*")
    walk.look("item-reported")
    walk.action("capture")
    walk.action("attribute")
    for fact in ("public", "intent", "danger"):
        select = page.locator(f"select[name=fact_{fact}]")
        if not select.is_visible():  # facts the provisions do not read are folded away
            page.click("details.other-facts > summary")
        select.select_option("true")
    walk.action("assess")
    walk.look("item-assessed")
    propose = page.locator("form.propose[data-host=DE]").first
    channel = propose.locator("select[name=channel] option").first.get_attribute("value")
    assert channel
    propose.locator("textarea[name=note]").fill(
        "Removal of this one URL only; the rest of the blog is not targeted."
    )
    with page.expect_navigation():
        propose.locator("button[type=submit]").click()
    page.wait_for_selector("#item-actions table")
    walk.look("item-proposed")
    walk.log_out()
    return channel


def _reviewer(walk: Walk) -> None:
    page = walk.page
    walk.log_in("rita", "legal_reviewer")
    walk.nav("/review", "review")
    card = page.locator("section.review").filter(has_text=URL)
    assert card.count() == 1
    decide = card.locator("form.decide")
    # A conditional assessment is approved only with the missing facts named.
    for box in decide.locator("input[name=established]").all():
        box.check()
    decide.locator("textarea[name=reason]").fill("Dual criminality established.")
    decide.locator("button[value=approve]").click()
    page.wait_for_selector(".flash.ok")
    walk.look("review-approved")
    page.goto(f"{walk.server}/law/compare?requesting=KZ&other=DE&other=US")
    walk.look("law-compare")
    walk.log_out()


def _liaison(walk: Walk, demo_net: DemoInternet, channel: str) -> str:
    page, server = walk.page, walk.server
    walk.log_in("leo", "liaison")
    walk.nav("/dossiers", "dossiers")
    page.select_option("select[name=channel]", channel)
    page.fill("input[name=host]", "DE")
    page.click("form.build button[type=submit]")
    page.wait_for_selector("table.dossiers tbody td a")
    page.locator("table.dossiers tbody tr").first.locator("a").first.click()
    page.wait_for_selector("form[action$='/issue']")
    walk.look("dossier-draft")
    with page.expect_navigation():
        page.click("form[action$='/issue'] button[type=submit]")
    page.wait_for_selector("table.files")
    walk.look("dossier-issued")
    walk.nav("/tracking", "tracking")
    ready = page.locator("table.ready tr").filter(has=page.locator("button[type=submit]")).first
    with page.expect_navigation():
        ready.locator("button[type=submit]").click()
    sent = page.locator("[id^='dispatch-']").first
    row = sent.locator("tr").filter(has=page.locator("select[name=decision]")).first
    item_link = row.locator("a[href^='/items/']").first.get_attribute("href")
    assert item_link
    item_url = f"{server}{item_link}"
    page.goto(item_url)
    walk.look("item-sent")
    page.goto(f"{server}/tracking")
    row = page.locator("[id^='dispatch-'] tr").filter(has=page.locator("select[name=decision]"))
    row.first.locator("select[name=decision]").select_option("removed")
    with page.expect_navigation():
        row.first.locator("button[type=submit]").click()
    demo_net.take_down("blog.kaz-demo-blog.example")
    with page.expect_navigation():
        page.click("form.monitor button[type=submit]")
    walk.look("tracking-verified")
    walk.log_out()
    return item_url


def _readers(walk: Walk, item_url: str) -> None:
    """The supervisor and the auditor read the finished case file and the figures."""
    page, server = walk.page, walk.server
    for name, role in (("sam", "supervisor"), ("aud", "auditor")):
        walk.log_in(name, role)
        page.goto(item_url)
        walk.look("case-file")
        assert code_of(page.locator("h1 .state .code-label")) == "verified"
        for section in CASE_FILE:
            assert page.locator(f"[id='{section}']").count() == 1, section
        # Every step of the job is in the timeline, by the user who took it.
        timeline = page.locator("ol.timeline li")
        actions = {code_of(li.locator("strong .code-label")) for li in timeline.all()}
        for step in (
            "item.create",
            "evidence.capture",
            "item.attribute",
            "item.assess",
            "proposal.create",
            "proposal.approve",
            "dossier.issue",
            "dossier.dispatch",
            "request.answer",
            "item.monitor",
        ):
            assert step in actions, (step, sorted(actions))
        assert page.locator(".section-requests tbody tr").count() == 1
        assert page.locator(".section-dossiers tbody tr").count() >= 1
        assert page.locator(".section-evidence figure.shot img").count() <= 1
        for path, shot in (
            ("/proposals", "proposals"),
            ("/dashboard", "dashboard"),
            ("/transparency", "transparency"),
            ("/holds", "holds"),
        ):
            if page.locator(f"nav.main a[href='{path}']").count():
                walk.nav(path, shot)
        page.goto(f"{server}/law/DE")
        walk.look("law-state")
        _account(walk)
        walk.log_out()


def _account(walk: Walk) -> None:
    """The user's name leads to their settings; the time zone is chosen by keyboard alone."""
    page, server = walk.page, walk.server
    page.click("header a.who")
    page.wait_for_url(f"{server}/account")
    walk.look("account")
    page.focus("#f-time_zone")
    page.keyboard.type("Asia/Almaty")  # the select's type-ahead finds the zone by its name
    assert page.input_value("#f-time_zone") == "Asia/Almaty"
    page.keyboard.press("Tab")  # to Save
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".flash.ok")
    assert "UTC+05" in page.locator("main time").first.inner_text()
    walk.look("account")
    # Back to the installation's zone (the first option), so the next walk starts alike.
    page.focus("#f-time_zone")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".flash.ok")
    assert page.input_value("#f-time_zone") == ""
