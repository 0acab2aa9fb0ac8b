"""Text written by staff: kept in the language it was written in, and labelled.

A letter's fixed texts are translated and reviewed (i18n/); what staff write
for one dossier (the reason for a request under Article 11(3) of Regulation
(EU) 2021/784) is never translated by Comity: the letter gives it as written,
followed by the language it is in, in the letter's language.
"""

from __future__ import annotations

import re
import unicodedata

from comity.dossiers.render._data import texts

__all__ = ["breakable", "staff_text"]

# A run this long with no space would run past the margin of a form line.
_LONG = re.compile(r"\S{21,}")
_PIECE = 20


def staff_text(text: str, written_in: str, language: str) -> str:
    """`text` followed by its language: "... (Sprache des Originals: Russisch)"."""
    t = texts(language)
    label = t["labels"]["original_language"].format(lang=t["language_names"][written_in])
    return f"{text} ({label})"


def breakable(text: str) -> list[list[str]]:
    """`text` as pieces ["t", text] and ["b", piece] for the PDF: nothing added.

    typst breaks a line only at spaces (hyphenation is off: the documents are
    legal texts), so a long run of letters staff typed would overflow the
    page. Each run longer than 20 characters is cut into pieces of 20 (never
    between a letter and its combining marks) that the template sets as
    boxes, between which a line may break; the text a reader copies out is
    the same. Shorter words stay plain text, so right-to-left words keep the
    paragraph's bidirectional ordering.
    """
    pieces: list[list[str]] = []
    start = 0
    for match in _LONG.finditer(text):
        if match.start() > start:
            pieces.append(["t", text[start : match.start()]])
        pieces += [["b", chunk] for chunk in _chunks(match.group())]
        start = match.end()
    if start < len(text):
        pieces.append(["t", text[start:]])
    return pieces


def _chunks(run: str) -> list[str]:
    out, current = [], ""
    for char in run:
        if len(current) >= _PIECE and not unicodedata.combining(char):
            out.append(current)
            current = ""
        current += char
    return [*out, current] if current else out
