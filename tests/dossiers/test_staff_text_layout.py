"""Text written by staff stays inside the page of the PDF and reads back in order.

Words are located with poppler's `pdftotext -bbox` (poppler-utils, installed
by tools/system-deps.sh): every word of a dossier whose staff text is a long
unbroken word, a long right-to-left run or a mix of scripts must lie within
the margins the fixed text uses in the same dossier with a short reason, on
the same number of pages (give or take the lines the longer text needs).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from comity.dossiers.render import render_pdf
from comity.dossiers.schemas import Dossier
from conftest import build_dossier

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)

ARABIC = "مرحبا بالعالم"
HEBREW = "שלום עולם"
LONG = "Ж" * 300
REASONS = {
    "long_word": f"Ведётся {LONG} расследование",
    "long_url": "см. https://" + "a" * 400 + ".example/x",
    "long_rtl_run": "مرحبا" * 80,
    "mixed_scripts": f"Расследование KZ-77 {ARABIC} {HEBREW} Қазақстан oʻzbek Türkiye",
}
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    left: float  # the extremes of its words' boxes
    right: float
    top: float
    bottom: float


def _dossier(reason: str, language: str) -> Dossier:
    return build_dossier(
        kind="eu_removal_order",
        language=language,
        non_disclosure_reason=reason,
        non_disclosure_weeks=2,
        staff_language="ru",
    )


def _pdf(dossier: Dossier, tmp_path: Path) -> Path:
    path = tmp_path / "dossier.pdf"
    path.write_bytes(render_pdf(dossier))
    return path


def _pages(path: Path) -> list[Page]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for match in _PAGE.finditer(out):
        boxes = [tuple(float(v) for v in w[:4]) for w in _WORD.findall(match.group(3))]
        pages.append(
            Page(
                width=float(match.group(1)),
                height=float(match.group(2)),
                left=min(b[0] for b in boxes),
                top=min(b[1] for b in boxes),
                right=max(b[2] for b in boxes),
                bottom=max(b[3] for b in boxes),
            )
        )
    return pages


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("language", ["de", "kk", "fr"])
@pytest.mark.parametrize("name", list(REASONS))
def test_staff_text_stays_within_the_margins_the_fixed_text_uses(
    tmp_path: Path, name: str, language: str
) -> None:
    baseline = _pages(_pdf(_dossier("Ведётся расследование", language), tmp_path))
    pages = _pages(_pdf(_dossier(REASONS[name], language), tmp_path))
    assert len(baseline) <= len(pages) <= len(baseline) + 1
    # Same page sizes in the same order (portrait letter, landscape annex table).
    assert {(p.width, p.height) for p in pages} == {(b.width, b.height) for b in baseline}
    for page in pages:
        frame = next(b for b in baseline if (b.width, b.height) == (page.width, page.height))
        assert page.left >= frame.left - 0.5, (name, page, frame)
        assert page.right <= frame.right + 0.5, (name, page, frame)
        assert page.top >= 0 and page.bottom <= page.height


def test_a_long_word_reads_back_whole_and_in_order(tmp_path: Path) -> None:
    text = re.sub(r"\s+", "", _text(_pdf(_dossier(REASONS["long_word"], "de"), tmp_path)))
    at = text.index("Ведётся" + LONG + "расследование")
    # The label naming the language follows the text, not somewhere else.
    assert text.index("(SprachedesOriginals:Russisch)", at) == at + len(
        "Ведётся" + LONG + "расследование"
    )


def test_mixed_scripts_read_back_in_the_order_they_were_written(tmp_path: Path) -> None:
    text = " ".join(_text(_pdf(_dossier(REASONS["mixed_scripts"], "de"), tmp_path)).split())
    left_to_right = ["Расследование", "KZ-77", "Қазақстан", "oʻzbek", "Türkiye", "(Sprache"]
    positions = [text.index(word) for word in left_to_right]
    assert positions == sorted(positions), positions
    start, end = positions[1], positions[2]
    for word in (*ARABIC.split(), *HEBREW.split()):
        # Between KZ-77 and Қазақстан, in logical or visual order, never elsewhere.
        found = text.find(word, start)
        found = found if found != -1 else text.find(word[::-1], start)
        assert start < found < end, word
