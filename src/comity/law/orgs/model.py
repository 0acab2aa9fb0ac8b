"""The organisations register in memory: lists, organisations, their designations.

Built once with the knowledge base (`comity.law.kb.build_register`). Each
organisation keeps its designations grouped by the jurisdiction of their list
and sorted by start date, so that the engine answers "designated in J on D?"
from a handful of tuples for one organisation, never by scanning the register.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from comity.core.errors import BadInput
from comity.law.model import Source, in_force
from comity.law.orgs.fold import search_key

__all__ = ["Alias", "Designation", "OrgList", "Organisation", "Register"]


@dataclass(frozen=True, slots=True)
class OrgList:
    id: str
    jurisdiction: str  # ISO 3166-1 alpha-2, EU or UN
    title: str
    kind: str
    effect: str
    source: Source
    checked: date | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "title": self.title,
            "kind": self.kind,
            "effect": self.effect,
            "source": self.source.to_json(),
            "checked": None if self.checked is None else self.checked.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Alias:
    name: str
    script: str | None = None
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Designation:
    org: str
    list: OrgList
    category: str
    instrument: str
    start: date
    end: date | None
    source: Source
    reference: str | None = None
    confidence: str = "high"
    note: str | None = None
    final_from: date | None = None  # the day the ban became final, where read

    @property
    def jurisdiction(self) -> str:
        return self.list.jurisdiction

    def in_force(self, on: date) -> bool:
        return in_force(self.start, self.end, on)

    def to_json(self) -> dict[str, Any]:
        return {
            "list": self.list.id,
            "list_title": self.list.title,
            "jurisdiction": self.list.jurisdiction,
            "category": self.category,
            "instrument": self.instrument,
            "reference": self.reference,
            "from": self.start.isoformat(),
            "to": None if self.end is None else self.end.isoformat(),
            "final_from": None if self.final_from is None else self.final_from.isoformat(),
            "source": self.source.to_json(),
            "confidence": self.confidence,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    name: str
    aliases: tuple[Alias, ...]
    parent: str | None
    note: str | None
    # list jurisdiction -> its designations, sorted by start (the engine's index)
    by_jurisdiction: Mapping[str, tuple[Designation, ...]]

    @property
    def designations(self) -> tuple[Designation, ...]:
        return tuple(d for code in sorted(self.by_jurisdiction) for d in self.by_jurisdiction[code])

    def in_force(self, jurisdiction: str, on: date) -> Designation | None:
        """The first designation on a list of `jurisdiction` in force on `on`."""
        for designation in self.by_jurisdiction.get(jurisdiction, ()):
            if designation.start > on:
                break  # sorted by start: none later can be in force
            if designation.end is None or on <= designation.end:
                return designation
        return None

    def on_list(self, the_list: OrgList, on: date, *, final: bool = False) -> Designation | None:
        """The designation on `the_list` in force on `on` (with `final`: from the day it became
        final where recorded, else from its first day)."""
        for designation in self.by_jurisdiction.get(the_list.jurisdiction, ()):
            if designation.list.id != the_list.id:
                continue
            start = designation.start
            if final and designation.final_from is not None:
                start = designation.final_from
            if start <= on and (designation.end is None or on <= designation.end):
                return designation
        return None


def _rank(query: str, key: str) -> int | None:
    if key == query:
        return 0
    if key.startswith(query):
        return 1
    return 2 if query in key else None


@dataclass(frozen=True)
class Register:
    lists: Mapping[str, OrgList]
    organisations: Mapping[str, Organisation]
    # jurisdiction -> the lists of that jurisdiction whose `checked` is set
    checked: Mapping[str, tuple[OrgList, ...]]
    # (search key, organisation id) for the name and every alias
    keys: tuple[tuple[str, str], ...] = field(repr=False)

    @classmethod
    def empty(cls) -> Register:
        return cls(MappingProxyType({}), MappingProxyType({}), MappingProxyType({}), ())

    def search(self, text: str) -> tuple[Organisation, ...]:
        """Organisations whose id, name or an alias contains `text` (folded), best first."""
        query = search_key(text)
        if not query:
            return tuple(self.organisations[i] for i in sorted(self.organisations))
        best: dict[str, int] = {}
        for key, ident in self.keys:
            rank = _rank(query, key)
            if rank is not None and rank < best.get(ident, 3):
                best[ident] = rank
        return tuple(self.organisations[i] for i in sorted(best, key=lambda i: (best[i], i)))

    def closest(self, text: str, n: int = 3) -> tuple[Organisation, ...]:
        """The organisations whose names look most like `text` (for an unknown id)."""
        found = self.search(text)
        if found:
            return found[:n]
        query = search_key(text)
        keys = dict(self.keys)
        out: list[str] = []
        for key in difflib.get_close_matches(query, list(keys), n=3 * n, cutoff=0.5):
            if keys[key] not in out:
                out.append(keys[key])
        return tuple(self.organisations[i] for i in out[:n])

    def require(self, ident: str, *, field: str = "org") -> Organisation:
        """The organisation `ident`; BadInput suggesting the closest names if unknown."""
        found = self.organisations.get(ident.strip().lower())  # ids are lower-case slugs
        if found is not None:
            return found
        if not self.organisations:
            raise BadInput(f"{field}: '{ident}' is unknown: the register is empty", field=field)
        near = self.closest(ident)
        hint = (
            "; did you mean " + ", ".join(f"{o.id} ({o.name})" for o in near) + "?"
            if near
            else "; see `comity org list --search NAME`"
        )
        raise BadInput(f"{field}: organisation '{ident}' is unknown{hint}", field=field)
