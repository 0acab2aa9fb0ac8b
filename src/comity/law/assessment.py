"""The engine's answer: frozen, JSON-ready (`to_json`), explaining every step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from comity.law.elements import leaf_result
from comity.law.model import Constraint, ConstraintException, Leaf, Source, TimeLimit

if TYPE_CHECKING:
    from comity.law._verdict import Verdict
    from comity.law.orgs.derive import OrgResult

__all__ = [
    "Assessment",
    "ChannelStat",
    "ConstraintApplied",
    "ElementResult",
    "ExclusionApplied",
    "ProvisionResult",
    "RankedChannel",
    "Status",
]

Status = Literal["yes", "no", "conditional", "excluded", "not_in_force"]


def _tv(value: bool | None) -> str:
    return "unknown" if value is None else ("true" if value else "false")


@dataclass(frozen=True, slots=True)
class ChannelStat:
    """Tracked outcomes of one (host, channel) pair: the hook for the tracking domain."""

    success_rate: float
    median_days: float
    count: int


class ConstraintApplied(NamedTuple):
    """A limit applied to a provision: its own test, the result with its exceptions,
    and the exception that lifted it, if one did."""

    constraint: Constraint
    result: str  # true | false | unknown: the limit is satisfied (or lifted)
    requires: str  # the limit's own test, without its exceptions
    exception: ConstraintException | None

    def to_json(self) -> dict[str, Any]:
        c, e = self.constraint, self.exception
        return {
            "id": c.id,
            "citation": c.citation,
            "source": c.source.to_json(),
            "result": self.result,
            "requires": self.requires,
            "exception": None
            if e is None
            else {"id": e.id, "citation": e.citation, "source": e.source.to_json()},
        }


@dataclass(frozen=True, slots=True)
class ElementResult:
    fact: str
    label: str
    given: Any
    result: bool | None
    origin: str  # provision id, constraint id, or "host_designation"

    def to_json(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "label": self.label,
            "given": self.given,
            "result": _tv(self.result),
            "from": self.origin,
        }


@dataclass(frozen=True, slots=True)
class ProvisionResult:
    id: str
    jurisdiction: str
    citation: str
    title: str
    source: Source
    status: Status
    reason: str
    # (leaf, origin) pairs and the facts: element results are computed on demand,
    # which keeps the engine fast when only the outcome is needed
    leaves: tuple[tuple[Leaf, str], ...]
    facts: Mapping[str, Any]
    constraints: tuple[ConstraintApplied, ...]
    missing_facts: tuple[str, ...]
    confidence: str
    note: str | None
    max_penalty: str | None
    in_force_from: date | None
    # a general provision reaching a conduct it is not filed under: (filed under, why)
    general: tuple[tuple[str, ...], str] | None = None

    @property
    def matched(self) -> bool:
        return self.status in ("yes", "conditional")

    @property
    def elements(self) -> tuple[ElementResult, ...]:
        facts = self.facts
        return tuple(
            ElementResult(
                # a per-provision designation fact ("designated_in_host@US.FTO") is shown
                # under its vocabulary name; the label names the lists accepted
                leaf.fact.partition("@")[0],
                leaf.label,
                facts.get(leaf.fact),
                leaf_result(leaf, facts),
                origin,
            )
            for leaf, origin in self.leaves
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "citation": self.citation,
            "title": self.title,
            "source": self.source.to_json(),
            "status": self.status,
            "reason": self.reason,
            "elements": [e.to_json() for e in self.elements],
            "constraints": [c.to_json() for c in self.constraints],
            "general": None
            if self.general is None
            else {"filed_under": list(self.general[0]), "reason": self.general[1]},
            "missing_facts": list(self.missing_facts),
            "confidence": self.confidence,
            "note": self.note,
            "max_penalty": self.max_penalty,
            "version_from": None if self.in_force_from is None else self.in_force_from.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ExclusionApplied:
    provision: str
    purpose: str
    source: Source

    def to_json(self) -> dict[str, Any]:
        return {
            "provision": self.provision,
            "purpose": self.purpose,
            "source": self.source.to_json(),
        }


@dataclass(frozen=True, slots=True)
class RankedChannel:
    code: str
    label: str
    governmental: bool
    reason: str
    authority: dict[str, str] | None
    time_limit: TimeLimit | None
    weight: float
    basis: tuple[str, ...]
    source: Source | None
    conditions: tuple[str, ...] = ()  # treaties of uncertain standing the channel rests on

    def to_json(self) -> dict[str, Any]:
        limit = None
        if self.time_limit is not None:
            limit = {
                "hours": self.time_limit.in_hours,
                "text": self.time_limit.text,
                "runs_for": self.time_limit.runs_for,
                "source": None
                if self.time_limit.source is None
                else self.time_limit.source.to_json(),
            }
        return {
            "code": self.code,
            "label": self.label,
            "governmental": self.governmental,
            "reason": self.reason,
            "authority": self.authority,
            "time_limit": limit,
            "weight": round(self.weight, 4),
            "basis": list(self.basis),
            "conditions": list(self.conditions),
            "source": None if self.source is None else self.source.to_json(),
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    """The answer for one date. The engine fills the outcome fields and a compact,
    date-free `verdict`; provisions with their element-by-element explanation,
    channels and reasons are built from it when read (and by `to_json`)."""

    dual_criminality: Literal["yes", "no", "conditional", "unsupported"]
    conduct: str
    host: str
    requesting: str
    date: date
    role: str
    priority: str
    facts: tuple[tuple[str, Any], ...]
    requesting_outcome: str
    missing_facts: tuple[str, ...]
    kb_version: str
    verdict: Verdict = field(repr=False)
    # facts the conduct implies, not given: (fact, value, reason)
    implied: tuple[tuple[str, Any, str], ...] = ()
    # facts given against what the conduct implies, kept as given: (fact, given, implied, reason)
    contradictions: tuple[tuple[str, Any, Any, str], ...] = ()
    # facts given that contradict each other (the aim without the general intent):
    # decided on as if not given
    set_aside: tuple[str, ...] = ()
    # the organisation (--org) and what the register said about its designations
    organisation: OrgResult | None = None

    @property
    def decided_facts(self) -> dict[str, Any]:
        """The facts the engine decided on: those given, the register's, those implied."""
        out = dict(self.facts)
        if self.organisation is not None:
            self.organisation.fill(out)
        for fact, value, _ in self.implied:
            out[fact] = value
        for fact in self.set_aside:
            out.pop(fact, None)
        return out

    @property
    def host_provisions(self) -> tuple[ProvisionResult, ...]:
        return self.verdict.host_provisions(
            self.decided_facts, self.date, self.host, self.requesting
        )

    @property
    def requesting_provisions(self) -> tuple[ProvisionResult, ...]:
        return self.verdict.requesting_provisions(self.decided_facts, self.date, self.requesting)

    @property
    def eu_layer(self) -> tuple[ProvisionResult, ...]:
        return self.verdict.eu_layer(self.decided_facts, self.date, self.requesting)

    @property
    def exclusions(self) -> tuple[ExclusionApplied, ...]:
        return self.verdict.exclusions(self.decided_facts)

    @property
    def channels(self) -> tuple[RankedChannel, ...]:
        return self.verdict.channels()

    @property
    def channels_excluded(self) -> tuple[tuple[str, str], ...]:
        return self.verdict.channels_excluded(self.date)

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.verdict.reasons(self.date, self.host, self.conduct)

    @property
    def matched_host_provisions(self) -> tuple[str, ...]:
        return tuple(
            entry.provision.id
            for entry, status, _ in self.verdict.host_rows
            if status in ("yes", "conditional")
        )

    def to_json(self) -> dict[str, Any]:
        facts = self.decided_facts
        on = self.date
        channels = self.channels
        limits = [
            {
                "channel": c.code,
                "hours": c.time_limit.in_hours,
                "text": c.time_limit.text,
                "runs_for": c.time_limit.runs_for,
            }
            for c in channels
            if c.time_limit is not None
        ]
        verdict = self.verdict
        org = {} if self.organisation is None else {"organisation": self.organisation.to_json()}
        return {
            "dual_criminality": self.dual_criminality,
            "conduct": self.conduct,
            "host": self.host,
            "requesting": self.requesting,
            "date": on.isoformat(),
            "role": self.role,
            "priority": self.priority,
            "facts": dict(self.facts),
            "implied_facts": [{"fact": f, "value": v, "reason": r} for f, v, r in self.implied],
            "contradictions": [
                {
                    "fact": f,
                    "given": g,
                    "implied": v,
                    "reason": r,
                    "kept": "neither" if f in self.set_aside else "given",
                }
                for f, g, v, r in self.contradictions
            ],
            "set_aside": list(self.set_aside),
            "host_provisions": [
                p.to_json() for p in verdict.host_provisions(facts, on, self.host, self.requesting)
            ],
            "requesting_outcome": self.requesting_outcome,
            "requesting_provisions": [
                p.to_json() for p in verdict.requesting_provisions(facts, on, self.requesting)
            ],
            "eu_layer": [p.to_json() for p in verdict.eu_layer(facts, on, self.requesting)],
            "missing_facts": list(self.missing_facts),
            "exclusions": [e.to_json() for e in verdict.exclusions(facts)],
            "channels": [c.to_json() for c in channels],
            "channels_excluded": [
                {"code": c, "reason": r} for c, r in verdict.channels_excluded(on)
            ],
            "treaties": [t.to_json() for t in verdict.treaties],
            "time_limits": limits,
            "reasons": list(verdict.reasons(on, self.host, self.conduct)),
            "kb_version": self.kb_version,
            **org,
        }
