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

__all__ = ["Finding", "OrgResult", "Rule", "derive", "derive_rule"]

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
    rule: Rule | None = None  # the provisions' accepted lists (None: the fallback rule)
    pending: Designation | None = None  # in force but not yet final where finality counts

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

    @property
    def unfinal(self) -> bool:
        """A designation counted where the law needs a final ban, with no final day recorded."""
        d = self.designation
        return (
            self.rule is not None
            and self.rule.final
            and d is not None
            and d.jurisdiction == self.rule.jurisdiction
            and d.final_from is None
        )

    def explanation(self) -> str:
        where = " or ".join(self.counted)
        if self.designation is not None:
            d = self.designation
            said = f"designated on {d.list.id} ({d.instrument}) from {d.start}"
            if (
                self.rule is not None
                and self.rule.final
                and d.jurisdiction == self.rule.jurisdiction
            ):
                said += (
                    f", final from {d.final_from}"
                    if d.final_from is not None
                    else "; the law needs a final ban and the day it became final is not "
                    "recorded: the first day of the ban is used (verify)"
                )
        elif self.register is False:
            said = "on none of the fully checked lists: " + ", ".join(c.id for c in self.checked)
        elif self.rule is not None and not self.rule.lists:
            said = "open: the register records none of the lists this provision accepts"
        elif self.pending is not None:
            p = self.pending
            said = (
                f"open: {p.list.id} from {p.start}, but the law needs a final ban and it is "
                f"final only from {p.final_from}"
            )
        elif self.rule is not None:
            said = f"open: on none of {where} on this date, and not all of them are checked"
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
            **({} if self.rule is None else self.rule.to_json()),
            "finality_not_recorded": self.unfinal,
        }


@dataclass(frozen=True, slots=True)
class Rule:
    """The lists that provisions of one jurisdiction accept (`designation_lists`)."""

    key: str  # suffix of the per-provision fact, e.g. "@US.FTO"
    jurisdiction: str  # the provisions' state
    lists: tuple[OrgList, ...]  # in the order the provisions name them (first in force is cited)
    final: bool  # a designation on the state's own lists counts only once final
    provisions: tuple[str, ...]  # the provision ids (versions) that use it

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted_lists": [lst.id for lst in self.lists],
            "final_ban_required": self.final,
            "provisions": list(self.provisions),
        }


def derive_rule(
    org: Organisation, rule: Rule, *, fact: str, on: date, given: bool | None = None
) -> Finding:
    """The fact for the provisions of `rule`: true on one of its lists (the first named that
    is in force is cited); false only if every one of them was checked on or after `on`."""
    counted = tuple(lst.id for lst in rule.lists)
    pending = None
    for lst in rule.lists:
        final = rule.final and lst.jurisdiction == rule.jurisdiction
        found = org.on_list(lst, on, final=final)
        if found is not None:
            return Finding(fact, rule.jurisdiction, True, found, (), counted, given, rule)
        if final and pending is None:
            pending = org.on_list(lst, on)
    checked = tuple(lst for lst in rule.lists if lst.checked is not None and on <= lst.checked)
    value = False if rule.lists and len(checked) == len(rule.lists) else None
    return Finding(fact, rule.jurisdiction, value, None, checked, counted, given, rule, pending)


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
    # a check on day C proves absence only up to C: a later designation may be missing
    checked = tuple(
        c
        for code in counted
        for c in register.checked.get(code, ())
        if c.checked is not None and on <= c.checked
    )
    return Finding(fact, jurisdiction, False if checked else None, None, checked, counted, given)


_BRANCH = (
    "a branch does not inherit its parent's ban: the parent's designation is shown as "
    "context and does not decide the fact (docs/knowledge-format.md)"
)


@dataclass(frozen=True, slots=True)
class OrgResult:
    """The organisation of an assessment: the findings and the context (UN, parent)."""

    org: Organisation
    host: Finding  # the fallback rule (provisions that name no lists; other facts)
    requesting: Finding
    context: tuple[Designation, ...]  # UN listings in force on the date
    # one finding per rule of the host's provisions (and the EU's for a member), and of the
    # requesting state's: what each provision that names its lists decides on
    host_rules: tuple[Finding, ...] = ()
    requesting_rules: tuple[Finding, ...] = ()
    # the parent's designations in force (host, requesting): context only, never the fact
    parent: tuple[Finding | None, Finding | None] = (None, None)
    fallback_provisions: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

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
        host_rules: tuple[Rule, ...] = (),
        requesting_rules: tuple[Rule, ...] = (),
        fallback_provisions: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
    ) -> OrgResult:
        """Every finding; `given` holds the explicit facts (they win over the register)."""
        un = org.in_force(_UN, on)
        sides = (
            ("designated_in_host", host, host_eu),
            ("designated_in_requesting", requesting, requesting_eu),
        )
        host_finding, requesting_finding = (
            derive(register, org, fact=f, jurisdiction=j, on=on, eu_member=eu, given=given.get(f))
            for f, j, eu in sides
        )
        parent = register.organisations.get(org.parent) if org.parent else None
        parents: tuple[Finding | None, Finding | None] = (None, None)
        if parent is not None:
            parents = (
                derive(
                    register, parent, fact=sides[0][0], jurisdiction=host, on=on, eu_member=host_eu
                ),
                derive(
                    register,
                    parent,
                    fact=sides[1][0],
                    jurisdiction=requesting,
                    on=on,
                    eu_member=requesting_eu,
                ),
            )
        host_given, req_given = given.get(sides[0][0]), given.get(sides[1][0])
        return cls(
            org,
            host_finding,
            requesting_finding,
            () if un is None else (un,),
            tuple(
                derive_rule(org, r, fact=sides[0][0], on=on, given=host_given) for r in host_rules
            ),
            tuple(
                derive_rule(org, r, fact=sides[1][0], on=on, given=req_given)
                for r in requesting_rules
            ),
            parents,
            fallback_provisions,
        )

    def fill(self, facts: dict[str, Any]) -> None:
        """Put the register's answers into `facts` where no explicit value was given.

        Each rule's answer goes under its own key (`designated_in_host@US.FTO`), also when
        open, so that a provision naming its lists never falls back to another list."""
        for finding in (self.host, self.requesting):
            if finding.given is None and finding.register is not None:
                facts[finding.fact] = finding.register
        for finding in (*self.host_rules, *self.requesting_rules):
            if finding.given is None and finding.rule is not None:
                facts[finding.fact + finding.rule.key] = finding.register

    def for_provision(self, provision: str, side: str = "host") -> Finding | None:
        """The finding that decided `provision` (a rule's), or None where it names no lists."""
        rules = self.host_rules if side == "host" else self.requesting_rules
        return next((f for f in rules if f.rule and provision in f.rule.provisions), None)

    def _side(self, finding: Finding, rules: tuple[Finding, ...], index: int) -> dict[str, Any]:
        out = finding.to_json()
        out["rule"] = (
            "fallback: any list of the state (and the EU's for a member) counts; used by "
            "provisions that name no designation_lists"
        )
        out["fallback_provisions"] = list(self.fallback_provisions[index])
        out["by_provision"] = [f.to_json() for f in rules]
        parent = self.parent[index]
        if parent is not None and parent.designation is not None:
            out["parent"] = {
                "id": self.org.parent,
                "designation": parent.designation.to_json(),
                "counts": False,
                "why": _BRANCH,
            }
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.org.id,
            "name": self.org.name,
            "parent": self.org.parent,
            "designated_in_host": self._side(self.host, self.host_rules, 0),
            "designated_in_requesting": self._side(self.requesting, self.requesting_rules, 1),
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
