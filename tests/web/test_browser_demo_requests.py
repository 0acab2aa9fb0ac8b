"""In Debian's Chromium, after `comity demo`: liaison leo downloads every kind of request.

The demo (embedded SQLite, demo internet) issues a portal referral, a note
verbale from the Ministry of Foreign Affairs, a letter of request under a
treaty, EU removal-order requests in the host's language and provider
referrals with their X-ARF reports. Leo logs in with the demo's log-in,
opens each one from the case file of an item it asks about and downloads its files through the
page's own links; the bytes must say what the kind requires (PDF text, the
sheet, the JSON). Screenshots go to test-artifacts/web/.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pytest
from rich.console import Console
from sqlalchemy import select

from comity.core.db import get_engine, read_session, reset_engines
from comity.core.settings import Settings, override_settings
from comity.flows.demo import DEMO_USERS, run_demo
from comity.web.app import create_app
from tests.dossiers.xarf_spec import SPEC, master_validator
from tests.web.browser import ARGS, ARTIFACTS, CHROMIUM, MARKS, serve

pytestmark = MARKS
LIAISON = next((name, password) for name, role, password in DEMO_USERS if role == "liaison")


@dataclass(frozen=True)
class Issued:
    id: int
    reference: str
    kind: str
    host: str | None
    languages: tuple[str, ...]
    item: int  # one item it asks about: its case file links to it


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, list[Issued]]]:
    base = tmp_path_factory.mktemp("demo-web")
    with override_settings(Settings(home=base)):
        ctx = run_demo(console=Console(file=io.StringIO()), home=base / "demo", serve=False)
    from comity.dossiers.models import DossierEntry, DossierRecord

    settings = ctx.settings
    reset_engines()
    with read_session(get_engine(settings.resolved_database_url)) as session:
        issued = [
            Issued(
                r.id,
                r.reference or "",
                r.kind,
                r.host,
                tuple(r.languages),
                min(
                    session.scalars(
                        select(DossierEntry.item_id).where(DossierEntry.dossier_id == r.id)
                    )
                ),
            )
            for r in session.scalars(
                select(DossierRecord)
                .where(DossierRecord.state == "issued")
                .order_by(DossierRecord.id)
            )
        ]
    reset_engines()
    yield settings, issued
    reset_engines()


@pytest.fixture
def server(demo: tuple[Settings, list[Issued]]) -> Iterator[str]:
    settings, _ = demo
    with override_settings(settings), serve(create_app(settings)) as url:
        yield url
    reset_engines()


def _pdf(path: Path) -> str:
    pages = pypdf.PdfReader(path).pages
    return " ".join(" ".join(p.extract_text().split()) for p in pages)


class Leo:
    """Leo's browser: opens a dossier from an item's case file, downloads a file by its row."""

    def __init__(self, page: Any, server: str) -> None:
        self.page, self.server = page, server

    def open(self, dossier: Issued) -> None:
        self.page.goto(f"{self.server}/items/{dossier.item}")
        self.page.locator(".section-dossiers a", has_text=dossier.reference).first.click()
        self.page.wait_for_url(f"{self.server}/dossiers/{dossier.id}")

    def download(self, fmt: str, language: str) -> Path:
        """The file of that format and language, through its row's download link."""
        rows = self.page.locator("table.files tbody tr")
        for n in range(rows.count()):
            cells = rows.nth(n).locator("td")
            if (cells.nth(0).inner_text().strip(), cells.nth(1).inner_text().strip()) == (
                fmt,
                language,
            ):
                with self.page.expect_download() as info:
                    rows.nth(n).locator("a.download").click()
                return Path(info.value.path())
        raise AssertionError(f"no {fmt} file in {language} on {self.page.url}")


def _first(issued: list[Issued], kind: str, host: str | None = None) -> Issued:
    return next(d for d in issued if d.kind == kind and (host is None or d.host == host))


def test_leo_downloads_each_kind_of_request_the_demo_issued(
    server: str, demo: tuple[Settings, list[Issued]]
) -> None:
    from playwright.sync_api import sync_playwright

    _, issued = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name, password = LIAISON
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(f"{server}/login")
            page.fill("input[name=username]", name)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/items")
            leo = Leo(page, server)

            # The portal referral: the copy-ready sheet and the URL list.
            portal = _first(issued, "portal_referral")
            leo.open(portal)
            sheet = leo.download("sheet.txt", "en").read_text(encoding="utf-8")
            assert sheet.startswith("PORTAL SUBMISSION SHEET")
            assert f"Reference: {portal.reference}" in sheet and "DemoTube" in sheet
            urls = leo.download("csv", "en").read_text(encoding="utf-8")
            assert "http" in urls
            page.screenshot(path=str(ARTIFACTS / "50-demo-portal.png"), full_page=True)

            # The note verbale: from the Ministry of Foreign Affairs, sealed and initialled.
            note = _first(issued, "note_verbale", "US")
            leo.open(note)
            text = _pdf(leo.download("pdf", "en"))
            assert text.startswith("Ministry of Foreign Affairs of the Republic of Kazakhstan")
            assert "NOTE VERBALE" in text and "presents its compliments to" in text
            assert "L.S." in text and "Initials: D.M." in text
            assert "liaison@atc.kz.invalid" in text  # the requesting authority's contact
            page.screenshot(path=str(ARTIFACTS / "51-demo-note-verbale.png"), full_page=True)

            # The letter of request: between central authorities, under a treaty article.
            letter = _first(issued, "letter_of_request")
            leo.open(letter)
            text = _pdf(leo.download("pdf", "en"))
            assert "REQUEST FOR MUTUAL LEGAL ASSISTANCE IN CRIMINAL MATTERS" in text
            assert "central authority of the requesting State" in text
            assert "Made under: Treaty between the United States of America and the " in text
            for heading in ("Authority making the request", "Time limits", "Confidentiality"):
                assert heading in text

            # The EU removal-order request, in the host's language first, with Annex I.
            for host, lang, words in (
                ("NL", "nl", ("VERBALE NOTA", "Bijlage I bij Verordening (EU) 2021/784")),
                ("FR", "fr", ("NOTE VERBALE", "Annexe I du règlement (UE) 2021/784")),
            ):
                eu = _first(issued, "eu_removal_order", host)
                assert eu.languages[0] == lang
                leo.open(eu)
                text = _pdf(leo.download("pdf", lang))
                for expected in (*words, "REMOVAL ORDER", "SECTION A:", "SECTION B:"):
                    assert expected in text, expected
            page.screenshot(path=str(ARTIFACTS / "52-demo-eu-annex.png"), full_page=True)

            # A provider referral's X-ARF reports: valid XARF v4, one per URL.
            referral = _first(issued, "provider_referral")
            leo.open(referral)
            lang = referral.languages[0]
            reports = json.loads(leo.download("xarf.json", lang).read_text(encoding="utf-8"))
            assert reports and all(r["category"] == "content" for r in reports)
            if SPEC.is_dir():
                check = master_validator()
                assert [e.message for r in reports for e in check.iter_errors(r)] == []
            eml = leo.download("eml", lang).read_text(encoding="utf-8")
            assert "Message-ID: <" in eml and "\nDate: " in eml
            assert " 00:00:00 " not in eml.split("\nDate: ", 1)[1].split("\n", 1)[0]
        finally:
            browser.close()
