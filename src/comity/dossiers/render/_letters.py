"""The covering text of a note verbale and of a letter of request, as styled lines.

Both documents are composed here once, as a list of `[style, text]` lines, so
that the PDF (templates/dossier.typ), the DOCX and the golden-file tests read
the very same text. Styles: `h` heading, `p` paragraph, `li` list item, `law`
a provision (citation and title), `src` its source, `right` a line set flush
right (place and date, the seal block), `small` the addressee block at the end.

Every word is from the i18n files (`note_verbale.*`, `letter.*`, `note.*`);
the names, contacts, seal and treaty articles come from the `Dossier`.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from comity.dossiers.schemas import Dossier, Provision, TreatyBasis

__all__ = ["article_in", "cover_lines", "seal_lines"]

Line = list[str]

# Article citations as the register writes them ("art. 18(13)", "Part 1, art. 1")
# in the letter's language: abbreviations, not translations of the text.
_ART = re.compile(r"\bart\.\s*(\S+?)(?=,|$|\s)")
_PART = re.compile(r"\bPart\s+(\S+?)(?=,|$|\s)")


# (article, part) as each language abbreviates them; "art." and "Part" as the
# register writes them serve English, French, Italian, Spanish, Dutch and Polish
# articles ("art. 18"), with the part in the language.
_CITED = {
    "ru": (r"ст. \1", r"часть \1"),
    "kk": (r"\1-бап", r"\1-бөлім"),
    "de": (r"Art. \1", r"Teil \1"),
    "fr": (r"art. \1", r"partie \1"),
    "it": (r"art. \1", r"parte \1"),
    "es": (r"art. \1", r"parte \1"),
    "nl": (r"art. \1", r"deel \1"),
    "pl": (r"art. \1", r"część \1"),
    "tr": (r"md. \1", r"\1. kısım"),
    "uz": (r"\1-modda", r"\1-qism"),
    "ky": (r"\1-берене", r"\1-бөлүк"),
}


def article_in(article: str, language: str) -> str:
    """`article` ("art. 18(13)") as cited in `language` ("ст. 18(13)", "18(13)-бап")."""
    if language not in _CITED:
        return article
    art, part = _CITED[language]
    return _PART.sub(part, _ART.sub(art, article))


def _law(provisions: tuple[Provision, ...], source_label: str) -> list[Line]:
    lines: list[Line] = []
    for p in provisions:
        title = f" — {p.title}" if p.title else ""
        lines += [["law", f"{p.citation}{title}"], ["src", f"{source_label}: {p.source}"]]
    return lines


def seal_lines(dossier: Dossier, t: dict[str, Any], date_text: str) -> list[str]:
    """Place and date, seal, initials: the foot of a document a state signs."""
    if dossier.seal is None:
        return []
    words, seal = t["note_verbale"], dossier.seal
    values = {"place": seal.place, "date": date_text, "seal": seal.seal, "initials": seal.initials}
    return [words[key].format_map(values) for key in ("place_date", "seal", "initials")]


def _closing_block(dossier: Dossier, t: dict[str, Any], values: dict[str, str]) -> list[Line]:
    lines: list[Line] = [["gap", ""]]
    lines += [["right", s] for s in seal_lines(dossier, t, values["date"])]
    lines += [["gap", ""]]
    address = f", {dossier.addressee.address}" if dossier.addressee.address else ""
    lines += [["small", f"{t['labels']['to']}: {dossier.addressee.name}{address}"]]
    lines += [["small", t["labels"]["enclosure"].format_map(values)]]
    return lines


def _tail(t: dict[str, Any], values: dict[str, str], priority: str) -> list[Line]:
    note = t["note"]
    key = f"priority_{priority}"
    return [["p", note[key].format_map(values)]] if key in note else []


def _note(
    dossier: Dossier, t: dict[str, Any], values: dict[str, str], actions: list[str]
) -> list[Line]:
    words, note, labels = t["note_verbale"], t["note"], t["labels"]
    lines: list[Line] = [["p", words["opening"].format_map(values)]]
    lines += [["p", note["requesting_law"].format_map(values)]]
    lines += _law(dossier.requesting_provisions, labels["source"])
    lines += [["p", note["host_law"].format_map(values)]]
    lines += _law(dossier.host_provisions, labels["source"])
    lines += [["p", note["request_intro"].format_map(values)]]
    lines += [["li", a] for a in actions]
    lines += [["p", note["evidence"].format_map(values)]]
    lines += _tail(t, values, dossier.priority)
    lines += [["p", words["authority_contact"].format_map(values)]]
    if dossier.transmitted_via is not None:
        lines += [["p", words["via"].format_map(values)]]
    lines += [["p", note["closing"].format_map(values)]]
    return lines + _closing_block(dossier, t, values)


def _letter(
    dossier: Dossier, t: dict[str, Any], values: dict[str, str], actions: list[str]
) -> list[Line]:
    words, labels = t["letter"], t["labels"]
    treaty = dossier.treaty
    assert treaty is not None  # checked by Dossier
    lines: list[Line] = [
        ["small", words["heading_from"].format_map(values)],
        ["small", words["heading_to"].format_map(values)],
        ["small", words["treaty"].format_map(values)],
        ["p", words["opening"].format_map(values)],
    ]
    if treaty.central_authorities_article:
        lines += [["p", words["central_authorities"].format_map(values)]]
    lines += [["h", words["authority_heading"]], ["p", words["authority"].format_map(values)]]
    lines += [["h", words["subject_heading"]], ["p", words["subject"].format_map(values)]]
    facts = "facts_same_day" if values["first"] == values["last"] else "facts"
    lines += [["h", words["facts_heading"]], ["p", words[facts].format_map(values)]]
    lines += [["h", words["qualification_heading"]]]
    lines += [
        ["p", words["requesting_law"]],
        *_law(dossier.requesting_provisions, labels["source"]),
    ]
    lines += [["p", words["host_law"]], *_law(dossier.host_provisions, labels["source"])]
    lines += [["h", words["measures_heading"]], ["p", words["measures_intro"]]]
    lines += [["li", a] for a in actions]
    lines += [["h", words["time_heading"]]]
    lines += _tail(t, values, dossier.priority) or [["p", words["time_standard"]]]
    lines += [["h", words["confidentiality_heading"]], ["p", words["confidentiality"]]]
    lines += [["h", words["evidence_heading"]], ["p", words["evidence"]]]
    contents = "contents_borrowed" if treaty.contents_borrowed else "contents"
    lines += [["p", words[contents].format_map(values)]]
    lines += [["p", words["closing"].format_map(values)]]
    return lines + _closing_block(dossier, t, values)


def _treaty_values(treaty: TreatyBasis | None, language: str) -> dict[str, str]:
    if treaty is None:
        return {}
    # The register's local title is the requesting state's (Russian) version:
    # Kazakh and Russian letters cite it, the others the treaty's English title.
    title = (treaty.title_local or treaty.title) if language in ("ru", "kk") else treaty.title
    return {
        "treaty": title,
        "article": article_in(treaty.assistance_article, language),
        "central_article": article_in(treaty.central_authorities_article, language),
        "contents_article": article_in(treaty.contents_article, language),
        "contents_title": treaty.contents_title,
    }


def cover_lines(
    dossier: Dossier,
    t: dict[str, Any],
    base: dict[str, str],
    actions: list[str],
    date_text: str,
    format_date: Any,
) -> list[Line]:
    """The covering text of a note verbale or letter of request; [] for other kinds."""
    if dossier.kind not in ("note_verbale", "letter_of_request") or dossier.seal is None:
        return []
    authority = dossier.competent_authority
    assert authority is not None  # checked by Dossier
    captured = sorted(i.captured_at.astimezone(UTC) for i in dossier.items)
    hosts = sorted({f"{i.hosting.provider} ({i.hosting.country})" for i in dossier.items})
    conducts = sorted({t["conduct"].get(i.conduct, i.conduct) for i in dossier.items})
    values = {
        **base,
        "authority": authority.name,
        # The body names the authority itself: its contact is the address only.
        "contact": ", ".join(c for c in (authority.email, authority.phone) if c),
        "via": dossier.transmitted_via.name if dossier.transmitted_via else "",
        "place": dossier.seal.place,
        "date": date_text,
        "seal": dossier.seal.seal,
        "initials": dossier.seal.initials,
        "conducts": "; ".join(conducts),
        "first": format_date(captured[0].date(), dossier.language),
        "last": format_date(captured[-1].date(), dossier.language),
        "hosts": ", ".join(hosts),
        **_treaty_values(dossier.treaty, dossier.language),
    }
    if dossier.kind == "note_verbale":
        return _note(dossier, t, values, actions)
    return _letter(dossier, t, values, actions)
