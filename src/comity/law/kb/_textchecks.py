"""Checks that tie an encoding to the words it was read from, and record its gaps.

A version's `text` holds the provision as read (verbatim, with an English gloss);
each element leaf then names, in `quote`, the words that hold it. A quote that is not
in the text is the commonest way an encoding drifts from the law (an element added
from memory, a limb of another paragraph), so the loader refuses it. `absences` name
the conduct codes a jurisdiction has no provision for, read (`verified`) or not yet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from comity.law.kb.yamlio import MarkedDict, MarkedList

__all__ = ["check_absences", "check_labels", "check_quotes", "check_treaty_quotes", "normalise"]

_SPACE = re.compile(r"\s+")
# typographic variants a reader copies either way: quotes, dashes, non-breaking spaces
_FOLD = str.maketrans(
    {
        "«": '"',
        "»": '"',
        "„": '"',
        "“": '"',
        "”": '"',
        "’": "'",
        "‘": "'",
        "–": "-",
        "—": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def normalise(text: str) -> str:
    """Case-, space- and typography-insensitive form used to compare a quote with a text."""
    folded = unicodedata.normalize("NFC", text).translate(_FOLD).casefold()
    return _SPACE.sub(" ", folded).strip()


def _leaves(expr: Any) -> Iterator[MarkedDict]:
    if not isinstance(expr, MarkedDict):
        return
    if "fact" in expr:
        yield expr
    for op in ("all", "any"):
        for child in expr.get(op, []) or []:
            yield from _leaves(child)
    if "not" in expr:
        yield from _leaves(expr["not"])


def _line(node: MarkedDict, key: str) -> int:
    return node.key_lines.get(key, node.line)


def _quote_errors(
    ctx: Any, leaves: Iterator[MarkedDict], texts: list[str], where: str, *, required: bool
) -> None:
    for leaf in leaves:
        quote = leaf.get("quote")
        if quote is None:
            if required:
                ctx.err(
                    leaf.line,
                    "missing_quote",
                    f"{where}: element '{leaf.get('fact')}' needs `quote`: the words of "
                    "the version's `text` that hold it",
                )
            continue
        if not texts:
            ctx.err(
                _line(leaf, "quote"),
                "quote_without_text",
                f"{where}: `quote` needs the provision's `text` to check it against",
            )
        elif (
            not isinstance(quote, str)
            or not normalise(quote)
            or not any(normalise(quote) in t for t in texts)
        ):
            ctx.err(
                _line(leaf, "quote"),
                "quote_not_in_text",
                f"{where}: quote {quote!r} for element '{leaf.get('fact')}' is not in the "
                "version's original text (compared ignoring case and spacing)",
            )


def check_quotes(ctx: Any, provision: MarkedDict) -> None:
    """Every leaf of a quoted version quotes its text; reaches' quotes are in some version."""
    every: list[str] = []
    for version in provision["versions"]:
        texts = [normalise(t["original"]) for t in version.get("text", [])]
        every.extend(texts)
        where = f"provision {provision['id']} version from {version.get('from')}"
        _quote_errors(ctx, _leaves(version["elements"]), texts, where, required=bool(texts))
    for reach in provision.get("reaches", []):
        if "requires" in reach:
            where = f"provision {provision['id']} reaches"
            _quote_errors(ctx, _leaves(reach["requires"]), every, where, required=False)


# a word as the vocabulary spells a code: snake_case, or a dotted conduct code
_CODE_LIKE = re.compile(r"\b[a-z]+(?:[_.][a-z]+)+\b")


def check_labels(ctx: Any, provision: MarkedDict) -> None:
    """A leaf's label says in words what the law requires: it must not name a vocabulary
    code (`hoax_terrorism`, `terrorism.threat`). The law pages and the intercalibration
    table show labels to lawyers and analysts in their language, where a code reads as
    noise (the browser walk's words-not-codes check found one only after it landed)."""
    codes = set(ctx.vocab["facts"]) | set(ctx.vocab["conducts"])
    groups = [v.get("elements") for v in provision["versions"]]
    groups += [r.get("requires") for r in provision.get("reaches", [])]
    for group in groups:
        for leaf in _leaves(group):
            label = leaf.get("label")
            named = sorted(
                {w for w in _CODE_LIKE.findall(label) if w in codes}
                if isinstance(label, str)
                else set()
            )
            if named:
                ctx.err(
                    _line(leaf, "label"),
                    "label_names_code",
                    f"provision {provision['id']}: the label of element '{leaf.get('fact')}' "
                    f"names the code(s) {', '.join(named)}: say it in words",
                )


def check_treaty_quotes(ctx: Any, treaty: MarkedDict) -> None:
    """Every leaf of a treaty's scope quotes the treaty's own words (its `articles`): the
    scope is the treaty's definition, never a reader's summary of it."""
    texts = [normalise(a["text"]) for a in treaty.get("articles", [])]
    for conduct, expr in (treaty.get("scope") or {}).items():
        where = f"treaty {treaty['id']} scope for {conduct}"
        _quote_errors(ctx, _leaves(expr), texts, where, required=True)
    serious = treaty.get("serious_crime")
    for node in (serious, (serious or {}).get("otherwise")):
        if node is not None and not any(normalise(node["quote"]) in t for t in texts):
            ctx.err(
                _line(node, "quote"),
                "quote_not_in_text",
                f"treaty {treaty['id']} serious_crime: quote {node['quote']!r} is not in "
                "the treaty's `articles` (compared ignoring case and spacing)",
            )


def check_absences(ctx: Any, data: MarkedDict) -> None:
    """Known codes, each once, and never a code a provision of the same file covers."""
    covered: set[str] = set()
    for provision in data["provisions"]:
        covered.update(provision["conducts"])
        for reach in provision.get("reaches", []):
            covered.update(reach["conducts"])
    seen: set[str] = set()
    absences = data.get("absences", MarkedList())
    for absence in absences:
        code, line = absence["conduct"], _line(absence, "conduct")
        if code not in ctx.vocab["conducts"]:
            ctx.err(line, "unknown_conduct", f"unknown conduct '{code}' in `absences`")
        elif code in seen:
            ctx.err(line, "duplicate_absence", f"conduct '{code}' is listed twice in `absences`")
        elif code in covered and not absence.get("partial", False):
            ctx.err(
                line,
                "absence_covered",
                f"conduct '{code}' is listed in `absences` but a provision covers it "
                "(say `partial: true` if other offences for it were not read)",
            )
        elif absence.get("partial", False) and (absence["verified"] or code not in covered):
            ctx.err(
                line,
                "bad_partial",
                f"`partial: true` for '{code}' means a provision covers it and other offences "
                "were not read: it needs a covering provision and `verified: false`",
            )
        seen.add(code)
