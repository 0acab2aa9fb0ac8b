"""Build the organisations register's model and indexes from its validated data."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from typing import Any

from comity.law.model import Source
from comity.law.orgs.fold import search_key
from comity.law.orgs.model import Alias, Designation, Organisation, OrgList, Register

__all__ = ["build_register"]


def _source(raw: dict[str, Any]) -> Source:
    return Source(raw["title"], raw["url"], raw.get("gazette"), raw.get("read_from"))


def _d(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _organisation(raw: dict[str, Any], lists: dict[str, OrgList]) -> Organisation:
    grouped: dict[str, list[Designation]] = {}
    for d in raw.get("designations", []):
        the_list = lists[d["list"]]
        grouped.setdefault(the_list.jurisdiction, []).append(
            Designation(
                org=raw["id"],
                list=the_list,
                category=d["category"],
                instrument=d["instrument"],
                start=date.fromisoformat(d["from"]),
                end=_d(d.get("to")),
                source=_source(d["source"]),
                reference=d.get("reference"),
                confidence=d.get("confidence", "high"),
                note=d.get("note"),
                final_from=_d(d.get("final_from")),
            )
        )
    return Organisation(
        id=raw["id"],
        name=raw["name"],
        aliases=tuple(
            Alias(a["name"], a.get("script"), a.get("lang")) for a in raw.get("aliases", [])
        ),
        parent=raw.get("parent"),
        note=raw.get("note"),
        by_jurisdiction=MappingProxyType(
            {
                code: tuple(sorted(items, key=lambda d: (d.start, d.list.id)))
                for code, items in sorted(grouped.items())
            }
        ),
    )


def build_register(data: dict[str, Any]) -> Register:
    lists = {
        raw["id"]: OrgList(
            id=raw["id"],
            jurisdiction=raw["jurisdiction"],
            title=raw["title"],
            kind=raw["kind"],
            effect=raw["effect"],
            source=_source(raw["source"]),
            checked=_d(raw.get("checked")),
            note=raw.get("note"),
        )
        for raw in data.get("lists", [])
    }
    orgs = {o.id: o for o in (_organisation(raw, lists) for raw in data.get("organisations", []))}
    checked: dict[str, list[OrgList]] = {}
    for item in lists.values():
        if item.checked is not None:
            checked.setdefault(item.jurisdiction, []).append(item)
    keys: list[tuple[str, str]] = []
    for ident in sorted(orgs):
        org = orgs[ident]
        names = dict.fromkeys(
            search_key(n) for n in (ident, org.name, *(a.name for a in org.aliases))
        )
        keys.extend((key, ident) for key in names if key)
    return Register(
        lists=MappingProxyType(dict(sorted(lists.items()))),
        organisations=MappingProxyType(dict(sorted(orgs.items()))),
        checked=MappingProxyType({k: tuple(v) for k, v in sorted(checked.items())}),
        keys=tuple(keys),
    )
