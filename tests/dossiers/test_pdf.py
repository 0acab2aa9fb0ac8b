"""The PDF read back: every URL, hash and provision is there, literally."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from comity.dossiers.render import render_pdf
from comity.dossiers.render.pdf import _url_cell
from comity.dossiers.schemas import Dossier, Party
from conftest import build_dossier

KAZAKH_LETTERS = "әғқңөұүһі"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ADVERSARIAL_URLS = [
    "https://evil.example/a\"b'c\\d",
    "https://evil.example/#set page(fill: red)",
    "https://evil.example/]#[$x^2$]*bold*_em_",
    "https://evil.example/<script>&amp;{{ x }}{% if %}",
    "https://evil.example/" + "a" * 2000,
    "https://evil.example/path/" + "b/" * 300,
]


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages)


def _squash(text: str) -> str:
    # Lines wrap inside long URLs and hashes: compare without whitespace.
    return re.sub(r"\s+", "", text)


def _assert_everything_present(dossier: Dossier, pdf: bytes) -> None:
    text = _squash(_text(pdf))
    for item in dossier.items:
        assert _squash(item.url) in text, item.url[:80]
        assert item.evidence_sha256 in text
        assert _squash(item.requesting_provision.citation) in text
        if item.host_provision is not None:
            assert _squash(item.host_provision.citation) in text
    for provision in (*dossier.requesting_provisions, *dossier.host_provisions):
        if dossier.kind != "provider_referral":
            assert _squash(provision.source) in text


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
@pytest.mark.parametrize("kind", ["note_verbale", "eu_removal_order", "provider_referral"])
def test_every_url_hash_and_provision_is_in_the_pdf(kind: str, language: str) -> None:
    dossier = build_dossier(kind=kind, language=language)
    _assert_everything_present(dossier, render_pdf(dossier))


def test_coordinator_pdf_lists_every_member_state_and_its_provisions() -> None:
    dossier = build_dossier(
        kind="eu_coordinator",
        urls=["https://a.example/1", "https://b.example/2"],
        countries=["DE", "NL"],
    )
    pdf = render_pdf(dossier)
    _assert_everything_present(dossier, pdf)
    text = _text(pdf)
    assert "Member State: DE" in text and "Member State: NL" in text


def test_kazakh_letters_survive_in_the_pdf() -> None:
    sender = Party(
        name="Қазақстан Республикасы Сыртқы істер министрлігі",
        country="KZ",
        department="Жиһаз бөлімі: " + KAZAKH_LETTERS,
    )
    dossier = build_dossier(language="kk", sender=sender)
    text = _text(render_pdf(dossier))
    for letter in KAZAKH_LETTERS:
        assert letter in text, letter
    assert "ВЕРБАЛДЫ НОТА" in text
    assert "Қазақстан Республикасы Сыртқы істер министрлігі" in text


def test_note_verbale_has_the_diplomatic_form() -> None:
    text = " ".join(_text(render_pdf(build_dossier())).split())
    assert "presents its compliments to the Embassy of the Federal Republic of Germany" in text
    assert (
        "has the honour to transmit the request of the Anti-Terrorist Centre of the Republic "
        "of Kazakhstan, the competent authority of the requesting State" in text
    )
    assert "assurances of its highest consideration" in text
    assert "Astana, 15 May 2024 L.S. Ministry of Foreign Affairs (seal) Initials: A.B." in text
    assert "dual criminality" in text
    assert "to preserve the content and the related data" in text


def test_adversarial_urls_render_literally_and_nothing_is_evaluated() -> None:
    department = '#read("/etc/passwd") #set text(size: 40pt)'
    sender = Party(name="Ministry ] #sym.x $y$", country="KZ", department=department)
    dossier = build_dossier(urls=ADVERSARIAL_URLS, sender=sender)
    pdf = render_pdf(dossier)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    _assert_everything_present(dossier, pdf)
    text = _squash(_text(pdf))
    assert _squash(department) in text
    assert _squash("Ministry ] #sym.x $y$") in text
    assert "root:" not in text


def test_right_to_left_text_in_a_url_renders_and_keeps_its_words() -> None:
    url = "https://evil.example/مرحبا/שלום/x"
    text = _text(render_pdf(build_dossier(urls=[url])))
    assert "مرحبا" in text and "שלום" in text and "https://evil.example/" in text


def test_the_pdf_is_deterministic_and_dated_from_the_dossier() -> None:
    first, second = render_pdf(build_dossier()), render_pdf(build_dossier())
    assert first == second
    meta = pypdf.PdfReader(io.BytesIO(first)).metadata
    assert meta is not None and str(meta["/CreationDate"]).startswith("D:20240515")


def test_only_the_bundled_noto_fonts_are_embedded() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(build_dossier(language="ru"))))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        names |= {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}
    assert names and all("NotoSans" in name for name in names), names


def test_first_page_renders_to_png_for_a_human_to_look_at() -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: cannot rasterise the PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / "dossier.pdf"
    pdf_path.write_bytes(render_pdf(build_dossier(priority="threat_to_life")))
    stem = ARTIFACTS / "dossier-page1"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", pdf_path, stem],
        check=True,
    )
    png = stem.with_suffix(".png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


@pytest.mark.parametrize(
    ("url", "pieces"),
    [
        ("https://a.example/watch?v=dQw4w9WgXcQ&list=1", False),
        ("https://a.example/" + "b/" * 300, False),
        ("https://a.example/" + "a" * 2000, True),
        ("https://a.example/x?id=" + "7" * 40, True),
        ("a.example/no-scheme", True),
    ],
)
def test_annex_url_cell_is_one_string_unless_typst_could_not_wrap_it(
    url: str, pieces: bool
) -> None:
    cell = _url_cell({"url": url, "captured": "2024-05-02 10:00:00", "evidence_sha256": "ab" * 32})
    if pieces:
        assert isinstance(cell, list) and "".join(cell[:-1]) == url
        assert max(len(piece) for piece in cell[:-1]) <= 21
    else:
        assert cell == f"{url}\n2024-05-02 10:00:00\n{'ab' * 32}"


@pytest.mark.parametrize("kind", ["note_verbale", "eu_coordinator"])
def test_column_labels_head_every_annex_page_and_the_title_only_the_first(kind: str) -> None:
    # The annex rows are blocks, not one table: the labels are the page header
    # of the annex pages, so a reader of page 5 still knows what each column is.
    urls = [f"https://forum.example/t/{n}" for n in range(60)]
    countries = ["DE", "NL"] * 30 if kind == "eu_coordinator" else None
    dossier = build_dossier(kind=kind, urls=urls, countries=countries)
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(dossier)))
    pages = [page.extract_text() for page in reader.pages]
    annex = [n for n, text in enumerate(pages) if "forum.example/t/" in text]
    assert len(annex) >= 3
    first = annex[0]
    for n in range(first, len(pages)):
        assert "Evidence SHA-256" in pages[n] and "Hosting" in pages[n], n
    title_pages = [n for n, text in enumerate(pages) if "Annex" in text and n >= first]
    assert title_pages == [first]
    assert not any("Evidence SHA-256" in text for text in pages[:first])
