"""Strict loading of the organisations register (knowledge/_organisations/).

`_lists.yaml` names the lists designations come from; each `<id>.yaml` is one
organisation. Beyond the schemas (unknown keys, a designation without `source`
or `from`), this checks what a schema cannot: the id equals the file name,
list ids exist, periods on one list do not overlap, calendar dates, a note
where confidence is not high, a known parent, and no alias (folded as the
format says) belonging to two organisations. Every error names file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from comity.law.countries import EU, is_iso_code
from comity.law.kb._kbfiles import LISTS_FILE, display, register_files
from comity.law.kb.checks import CheckContext, _check_confidence, _check_periods, _dates, _kline
from comity.law.kb.yamlio import KBError, MarkedDict, MarkedList, read_yaml
from comity.law.orgs.fold import alias_key

__all__ = ["validate_register"]

_UN = "UN"


def _read(path: Path, kind: str, errors: list[KBError]) -> Any:
    from comity.law.kb._validate import schema_errors  # _validate imports this module

    shown = display(path)
    data, errs = read_yaml(path, display=shown)
    if not errs:
        errs = schema_errors(kind, data, shown)
    errors.extend(errs)
    return None if errs else data


def _check_lists(ctx: CheckContext, data: MarkedDict) -> dict[str, MarkedDict]:
    out: dict[str, MarkedDict] = {}
    for item in data["lists"]:
        ident, code, line = item["id"], item["jurisdiction"], _kline(item, "id")
        if ident in out:
            ctx.err(
                line, "duplicate_id", f"list id '{ident}' is already used at line {out[ident].line}"
            )
            continue
        out[ident] = item
        if code not in (EU, _UN) and not is_iso_code(code):
            ctx.err(
                _kline(item, "jurisdiction"),
                "unknown_jurisdiction",
                f"'{code}' is not ISO 3166-1 alpha-2 (nor EU or UN); write GB, never UK",
            )
        if not ident.startswith(code + "."):
            ctx.err(line, "bad_id", f"list id '{ident}' must start with '{code}.'")
        if "checked" in item:
            _dates(ctx, _as_from(item))
    return out


def _as_from(item: MarkedDict) -> MarkedDict:
    """`checked` as a dated node, to reuse the calendar-date check with its line."""
    node = MarkedDict()
    node.line = item.line
    node["from"] = item["checked"]
    node.key_lines["from"] = _kline(item, "checked")
    return node


def _check_org(
    ctx: CheckContext, path: Path, data: MarkedDict, lists: dict[str, MarkedDict]
) -> None:
    ident = data["id"]
    if ident != path.stem:
        ctx.err(
            _kline(data, "id"),
            "id_mismatch",
            f"id '{ident}' does not equal the file name '{path.stem}' (the file name is the id)",
        )
    by_list: dict[str, list[MarkedDict]] = {}
    for designation in data.get("designations", []):
        name = designation["list"]
        if name not in lists:
            ctx.err(
                _kline(designation, "list"),
                "unknown_list",
                f"unknown list '{name}'; valid (from {LISTS_FILE}): "
                + (", ".join(sorted(lists)) or "none"),
            )
        _check_confidence(ctx, designation, f"designation of {ident} on {name}")
        final = designation.get("final_from")
        if final is not None and str(final) < str(designation["from"]):
            ctx.err(
                _kline(designation, "final_from"),
                "final_before_start",
                f"final_from {final} is before the designation's first day {designation['from']}"
                " (a ban becomes final on or after the day it is made)",
            )
        by_list.setdefault(name, []).append(designation)
    for name, items in by_list.items():
        _check_periods(ctx, items, f"{ident} on list {name}")


def _aliases(data: MarkedDict) -> list[tuple[str, int]]:
    out = [(data["name"], _kline(data, "name"))]
    aliases = data.get("aliases", MarkedList())
    out.extend((a["name"], line) for a, line in zip(aliases, aliases.item_lines, strict=True))
    return out


def _check_aliases(parsed: list[tuple[str, MarkedDict]], errors: list[KBError]) -> None:
    owner: dict[str, tuple[str, str, int]] = {}  # folded alias -> (org id, file, line)
    for shown, data in parsed:
        for name, line in _aliases(data):
            key = alias_key(name)
            first = owner.get(key)
            if first is None:
                owner[key] = (data["id"], shown, line)
            elif first[0] != data["id"]:
                errors.append(
                    KBError(
                        shown,
                        line,
                        "shared_alias",
                        f"alias '{name}' of {data['id']} is also a name of {first[0]} "
                        f"({first[1]}:{first[2]}); an alias must name one organisation",
                    )
                )


def validate_register(folder: Path, vocab: dict[str, Any], errors: list[KBError]) -> dict[str, Any]:
    """The register's validated data {"lists": [...], "organisations": [...]}, appending errors.

    A knowledge base without the folder has an empty register (nothing is designated
    anywhere as far as it knows, so every designation fact stays open).
    """
    files = register_files(folder)
    if not files:
        return {"lists": [], "organisations": []}
    lists_path = folder / LISTS_FILE
    lists: dict[str, MarkedDict] = {}
    lists_data: Any = None
    if not lists_path.exists():
        errors.append(
            KBError(display(lists_path), 1, "not_found", f"the register needs {LISTS_FILE}")
        )
    else:
        lists_data = _read(lists_path, "org_lists", errors)
        if lists_data is not None:
            ctx = CheckContext(vocab=vocab, display=display(lists_path), folder=folder.name)
            lists = _check_lists(ctx, lists_data)
            errors.extend(ctx.errors)
    parsed: list[tuple[str, MarkedDict]] = []
    for path in files:
        if path.name == LISTS_FILE:
            continue
        data = _read(path, "organisation", errors)
        if data is None:
            continue
        ctx = CheckContext(vocab=vocab, display=display(path), folder=folder.name)
        _check_org(ctx, path, data, lists)
        errors.extend(ctx.errors)
        parsed.append((ctx.display, data))
    _check_aliases(parsed, errors)
    ids = {data["id"] for _, data in parsed}
    for shown, data in parsed:
        parent = data.get("parent")
        if parent is not None and parent not in ids:
            errors.append(
                KBError(
                    shown, _kline(data, "parent"), "unknown_parent", f"unknown parent '{parent}'"
                )
            )
    return {
        "lists": list(lists_data["lists"]) if lists_data is not None else [],
        "organisations": [data for _, data in parsed],
    }
