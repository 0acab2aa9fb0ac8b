"""Derive `designated_in_host` / `designated_in_requesting` from the register (the contract's
rule, docs/knowledge-format.md "Organisations register").

For organisation O, jurisdiction J and date D, the lists that count are J's own
and, when J is an EU member state on D, the EU's. The fact is true if O has a
designation in force on D on one of them (cited); else false if one of them
was checked in full (the list is cited); else it stays open. UN listings are
context only: they oblige states to freeze assets, they do not ban an
organisation under the host's criminal law.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from comity.law.countries import EU
from comity.law.orgs.model import Designation, Organisation, OrgList, Register

__all__ = ["Finding", "OrgResult", "derive"]

_UN = "UN"


@dataclass(frozen=True, slots=True)
class Finding:
    """What the register says about one designation fact, and what the assessment used."""

    fact: str  # designated_in_host | designated_in_requesting
    jurisdiction: str
    register: bool | None  # the register's answer (None: open)
    designation: Designation | None  # the designation in force that made it true
    checked: tuple[OrgList, ...]  # the fully checked lists that made it false
    counted: tuple[str, ...]  # the jurisdictions whose lists count (J, and EU for a member)
    given: bool | None = None  # the value given explicitly with --fact, if any

    @property
    def overridden(self) -> bool:
        return self.given is not None

    @property
    def value(self) -> bool | None:
        """The value the engine used."""
        return self.given if self.given is not None else self.register

    @property
    def contradicts(self) -> bool:
        return self.given is not None and self.register is not None and self.given != self.register

    def explanation(self) -> str:
        where = " or ".join(self.counted)
        if self.designation is not None:
            d = self.designation
            said = f"designated on {d.list.id} ({d.instrument}) from {d.start}"
        elif self.register is False:
            said = "on none of the fully checked lists: " + ", ".join(c.id for c in self.checked)
        else:
            said = f"open: the register records no checked list of {where}"
        given = str(self.given).lower()
        if self.contradicts:
            return f"given as {given} with --fact, contradicting the register ({said})"
        if self.overridden:
            return f"given as {given} with --fact (the register: {said})"
        return said

    def to_json(self) -> dict[str, Any]:
        if self.designation is not None:
            decided_by = "designation"
        elif self.register is False:
            decided_by = "checked_lists"
        else:
            decided_by = "open"
        return {
            "fact": self.fact,
            "jurisdiction": self.jurisdiction,
            "lists_counted_for": list(self.counted),
            "value": self.value,
            "register_value": self.register,
            "decided_by": "fact" if self.overridden else decided_by,
            "register_decided_by": decided_by,
            "designation": None if self.designation is None else self.designation.to_json(),
            "checked_lists": [c.to_json() for c in self.checked],
            "overridden": self.overridden,
            "contradicts_register": self.contradicts,
            "explanation": self.explanation(),
        }


def derive(
    register: Register,
    org: Organisation,
    *,
    fact: str,
    jurisdiction: str,
    on: date,
    eu_member: bool,
    given: bool | None = None,
) -> Finding:
    counted = (jurisdiction, EU) if eu_member and jurisdiction != EU else (jurisdiction,)
    for code in counted:
        found = org.in_force(code, on)
        if found is not None:
            return Finding(fact, jurisdiction, True, found, (), counted, given)
    checked = tuple(c for code in counted for c in register.checked.get(code, ()))
    return Finding(fact, jurisdiction, False if checked else None, None, checked, counted, given)


@dataclass(frozen=True, slots=True)
class OrgResult:
    """The organisation of an assessment: the two findings and the UN context."""

    org: Organisation
    host: Finding
    requesting: Finding
    context: tuple[Designation, ...]  # UN listings in force on the date

    @classmethod
    def of(
        cls,
        register: Register,
        org: Organisation,
        *,
        host: str,
        requesting: str,
        on: date,
        host_eu: bool,
        requesting_eu: bool,
        given: Mapping[str, Any],
    ) -> OrgResult:
        """Both findings; `given` holds the explicit facts (they win over the register)."""
        un = org.in_force(_UN, on)
        sides = (
            ("designated_in_host", host, host_eu),
            ("designated_in_requesting", requesting, requesting_eu),
        )
        host_finding, requesting_finding = (
            derive(register, org, fact=f, jurisdiction=j, on=on, eu_member=eu, given=given.get(f))
            for f, j, eu in sides
        )
        return cls(org, host_finding, requesting_finding, () if un is None else (un,))

    def fill(self, facts: dict[str, Any]) -> None:
        """Put the register's answers into `facts` where no explicit value was given."""
        for finding in (self.host, self.requesting):
            if finding.given is None and finding.register is not None:
                facts[finding.fact] = finding.register

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.org.id,
            "name": self.org.name,
            "designated_in_host": self.host.to_json(),
            "designated_in_requesting": self.requesting.to_json(),
            "context": [
                {
                    **d.to_json(),
                    "counts": False,
                    "why": "UN listings oblige states to freeze "
                    "assets; they do not by themselves ban an organisation under national law",
                }
                for d in self.context
            ],
        }
