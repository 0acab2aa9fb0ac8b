"""Annex I of Regulation (EU) 2021/784 (the removal order form), pre-filled.

The form's structure and wording are data (`data/eu_2021_784.yaml`,
`annex_i`), copied from the official text in each language version that was
read, with what could not be read marked `unread`.  This module checks that
data strictly and lays one form out per hosting service provider (Section A
names one addressee) as lines `[kind, text]` that the PDF and DOCX renderers
set without knowing the form:

    caption          the requesting side's heading of the form
    title, subtitle  the form's title lines
    p                a paragraph of the form's preamble
    h                a section heading
    l                a field label
    title2 ... l2    the same, in the host's language (set below the English)
    v                what the requesting side filled in (may hold line breaks)
    todo             "to be completed by the issuing authority"
    box              a tick-box, "[X]" or "[ ]"
    gap              wording not read from the official text
    note             the requesting side's own words (never the Regulation's)
    staff            a value holding text staff wrote (kept as written, labelled
                     with its language; the PDF lets its long words wrap)
"""

from __future__ import annotations

from functools import cache
from typing import Any

from comity.dossiers.render._data import eu_table, texts
from comity.dossiers.render._staff import staff_text
from comity.dossiers.schemas import Dossier

__all__ = ["annex_i", "forms"]

_LETTERS = ("A", "B", "C", "D", "E", "F", "G")
_FILLS = frozenset({"authority", "provider", "urls", "points", "none"})
_WHERE = "data/eu_2021_784.yaml: annex_i"


def _fail(where: str, message: str) -> None:
    raise RuntimeError(f"{_WHERE}.{where}: {message}")


def _keys(
    value: Any, where: str, required: set[str], optional: frozenset[str] | set[str] = frozenset()
) -> None:
    if not isinstance(value, dict):
        _fail(where, "expected a mapping")
    missing, extra = required - set(value), set(value) - required - optional
    if missing or extra:
        _fail(where, f"missing keys {sorted(missing)}, unknown keys {sorted(extra)}")


def _wording(value: Any, where: str, read: set[str]) -> None:
    """A text keyed by language: English always, other languages only if read."""
    if not isinstance(value, dict) or "en" not in value:
        _fail(where, "needs the English wording ('en')")
    for lang, text in value.items():
        if lang not in read:
            _fail(where, f"language {lang!r} is not among the versions read {sorted(read)}")
        if not isinstance(text, str) or not text.strip():
            _fail(where, f"{lang}: expected text")


def _check_field(field: dict[str, Any], where: str, read: set[str], points: set[str]) -> None:
    if field.get("fill") == "points":
        _keys(field, where, {"id", "fill", "boxes"})
        boxes = field["boxes"]
        if not isinstance(boxes, dict) or set(boxes) != points:
            _fail(f"{where}.boxes", f"one box per point of Article 2(7): {sorted(points)}")
        for point, box in boxes.items():
            if box == {"unread": True}:
                continue
            _keys(box, f"{where}.boxes.{point}", {"en"}, set(read) - {"en"} | {"cut"})
            _wording({k: v for k, v in box.items() if k != "cut"}, f"{where}.{point}", read)
        return
    _keys(field, where, {"id", "fill", "label"})
    if field["fill"] not in _FILLS:
        _fail(where, f"fill {field['fill']!r}; valid: {sorted(_FILLS)}")
    _wording(field["label"], f"{where}.label", read)


@cache
def annex_i() -> dict[str, Any]:
    """The Annex I data, checked: sections A to G in order, every label sourced."""
    data = eu_table()["annex_i"]
    _keys(
        data,
        "",
        {"source", "citation", "corrigenda_checked", "read", "not_read", "title", "preamble"},
        {"subtitle", "sections", "form_per", "article_3_4"},
    )
    if data.get("form_per", "provider") != "provider":
        _fail("form_per", "only 'provider' is laid out (one addressee per form)")
    read = set(data["read"])
    if "en" not in read:
        _fail("read", "the English version must have been read")
    for lang, entry in data["read"].items():
        _keys(entry, f"read.{lang}", {"at", "official", "read_on", "extent", "note"})
    for key in ("title", "subtitle"):
        if key in data:
            _wording(data[key], key, read)
    for n, paragraph in enumerate(data["preamble"]):
        _wording(paragraph, f"preamble[{n}]", read)
    sections = data.get("sections", [])
    if [s.get("letter") for s in sections] != list(_LETTERS):
        _fail("sections", f"letters must be {', '.join(_LETTERS)} in that order")
    # The points of Article 2(7), as the fixed texts list them (i18n eu_points).
    points = set(texts("en")["eu_points"])
    fields: set[str] = set()
    for section in sections:
        where = f"sections.{section['letter']}"
        if section.get("unread"):
            _keys(section, where, {"letter", "unread", "attested"}, {"holds"})
            continue
        _keys(section, where, {"letter", "heading", "fields"}, {"rest_unread"})
        _wording(section["heading"], f"{where}.heading", read)
        for field in section["fields"]:
            _check_field(field, f"{where}.{field.get('id')}", read, points)
            fields.add(field["id"])
    for section in sections:
        if section.get("holds") and section["holds"] not in fields:
            _fail(f"sections.{section['letter']}.holds", f"no field {section['holds']!r}")
    return dict(data)


def _language(host_languages: tuple[str, ...], read: dict[str, Any]) -> tuple[str | None, str]:
    """The host language to set beside English, and the note when there is none."""
    first = next((lang for lang in host_languages if lang != "en"), None)
    if first is None:
        return None, "" if "en" in host_languages else "language_unknown"
    return (first, "") if first in read else (None, "language_fallback")


def _both(lines: list[list[str]], kind: str, wording: dict[str, str], host: str | None) -> None:
    lines.append([kind, wording["en"]])
    if host is not None and host in wording:
        lines.append([f"{kind}2", wording[host]])


def _boxes(
    field: dict[str, Any], ticked: set[str], host: str | None, t: dict[str, str]
) -> list[list[str]]:
    lines: list[list[str]] = []
    cut = False
    for point, box in field["boxes"].items():
        mark = "[X]" if point in ticked else "[ ]"
        if box.get("unread"):
            lines.append(["box", f"{mark} ({point}) {t['unread_box']}"])
            continue
        suffix = " […]" if box.get("cut") else ""
        cut = cut or bool(box.get("cut"))
        lines.append(["box", f"{mark} ({point}) {box['en']}{suffix}"])
        if host is not None and host in box:
            lines.append(["l2", f"({point}) {box[host]}{suffix}"])
    if cut:
        lines.append(["gap", t["cut"]])
    return lines


def _filled(
    field: dict[str, Any], group: dict[str, Any], host: str | None, t: dict[str, str]
) -> list[list[str]]:
    fill = field["fill"]
    if fill == "points":
        return _boxes(field, group["points"], host, t)
    lines: list[list[str]] = []
    _both(lines, "l", field["label"], host)
    if fill == "authority":
        lines.append(["todo", t["to_complete"]])
    elif fill == "provider":
        lines.append(["v", t["addressee_value"].format(**group["names"])])
    elif fill == "urls":
        lines.append(["v", "\n".join(f"{n}. {url}" for n, url in group["urls"])])
        lines.append(["note", t["per_url"]])
    return lines


def _groups(items: list[dict[str, Any]], conduct_labels: dict[str, str]) -> list[dict[str, Any]]:
    """Items by hosting service provider, in order of first appearance."""
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        hosting = item["hosting"]
        group = groups.setdefault(
            hosting["provider"],
            {
                "names": {"provider": hosting["provider"], "country": hosting["country"]},
                "urls": [],
                "points": set(),
                "conduct": {},
            },
        )
        group["urls"].append((item["number"], item["url"]))
        group["points"].update(item.get("eu_2021_784_points", ()))
        label = conduct_labels.get(item["conduct"], item["conduct"])
        group["conduct"].setdefault(label, []).append(str(item["number"]))
    return list(groups.values())


def _unread(
    section: dict[str, Any], fields: dict[str, Any], t: dict[str, str], host: str | None
) -> list[list[str]]:
    letter = section["letter"]
    lines = [["h", f"SECTION {letter}"], ["gap", t["unread_section"].format(section=letter)]]
    if section.get("holds"):
        lines.append(["note", t["holds"]])
        _both(lines, "l", fields[section["holds"]]["label"], host)
    return lines


def _non_disclosure(dossier: Dossier, t: dict[str, str]) -> list[list[str]]:
    lines = [["h", t["non_disclosure"]]]
    if not dossier.non_disclosure_reason:
        return [*lines, ["v", t["non_disclosure_none"]]]
    lines += [
        ["v", t["non_disclosure_asked"]],
        [
            "staff",
            t["non_disclosure_reason"].format(
                reason=staff_text(
                    dossier.non_disclosure_reason, dossier.staff_language, dossier.language
                )
            ),
        ],
    ]
    if dossier.non_disclosure_weeks is not None:
        lines.append(["v", t["non_disclosure_period"].format(weeks=dossier.non_disclosure_weeks)])
    return lines


def forms(
    dossier: Dossier, items: list[dict[str, Any]], t: dict[str, Any]
) -> list[list[list[str]]]:
    """One pre-filled Annex I form per hosting service provider, as lines."""
    data = annex_i()
    host, missing = _language(dossier.host_languages, data["read"])
    words: dict[str, str] = t["eu_removal_order"]
    fields = {f["id"]: f for s in data["sections"] for f in s.get("fields", ())}
    result = []
    for group in _groups(items, t["conduct"]):
        lines = [["caption", words["form_title"].format(**group["names"])]]
        lines.append(["note", words["form_source"].format(source=data["source"])])
        if missing:
            lang = next((x for x in dossier.host_languages if x != "en"), "")
            lines.append(["gap", words[missing].format(lang=lang)])
        _both(lines, "title", data["title"], host)
        if "subtitle" in data:
            _both(lines, "subtitle", data["subtitle"], host)
        for paragraph in data["preamble"]:
            _both(lines, "p", paragraph, host)
        for section in data["sections"]:
            if section.get("unread"):
                lines += _unread(section, fields, words, host)
                continue
            _both(lines, "h", section["heading"], host)
            for field in section["fields"]:
                lines += _filled(field, group, host, words)
            if section.get("rest_unread"):
                lines.append(["gap", words["rest_unread"]])
            if section["letter"] == "B":
                lines.append(["note", words["content"]])
                lines += [
                    ["v", f"{label}: {', '.join(n)}"] for label, n in group["conduct"].items()
                ]
        lines += _non_disclosure(dossier, words)
        result.append(lines)
    return result
