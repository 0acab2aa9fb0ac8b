"""The engine's answer: frozen, JSON-ready (`to_json`), explaining every step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from comity.law.elements import leaf_result
from comity.law.model import Leaf, Source, TimeLimit

__all__ = [
    "Assessment",
    "ChannelStat",
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
    constraints: tuple[tuple[str, str, Source, str], ...]  # id, citation, source, result
    missing_facts: tuple[str, ...]
    confidence: str
    note: str | None
    max_penalty: str | None
    in_force_from: date | None

    @property
    def matched(self) -> bool:
        return self.status in ("yes", "conditional")

    @property
    def elements(self) -> tuple[ElementResult, ...]:
        facts = self.facts
        return tuple(
            ElementResult(
                leaf.fact, leaf.label, facts.get(leaf.fact), leaf_result(leaf, facts), origin
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
            "constraints": [
                {"id": i, "citation": c, "source": s.to_json(), "result": r}
                for i, c, s, r in self.constraints
            ],
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

    def to_json(self) -> dict[str, Any]:
        limit = None
        if self.time_limit is not None:
            limit = {
                "hours": self.time_limit.in_hours,
                "text": self.time_limit.text,
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
            "source": None if self.source is None else self.source.to_json(),
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    dual_criminality: Literal["yes", "no", "conditional", "unsupported"]
    conduct: str
    host: str
    requesting: str
    date: date
    role: str
    priority: str
    facts: tuple[tuple[str, Any], ...]
    host_provisions: tuple[ProvisionResult, ...]
    requesting_outcome: str
    requesting_provisions: tuple[ProvisionResult, ...]
    eu_layer: tuple[ProvisionResult, ...]
    missing_facts: tuple[str, ...]
    exclusions: tuple[ExclusionApplied, ...]
    channels: tuple[RankedChannel, ...]
    channels_excluded: tuple[tuple[str, str], ...]
    reasons: tuple[str, ...]
    kb_version: str

    @property
    def matched_host_provisions(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.host_provisions if p.matched)

    def to_json(self) -> dict[str, Any]:
        limits = [
            {"channel": c.code, "hours": c.time_limit.in_hours, "text": c.time_limit.text}
            for c in self.channels
            if c.time_limit is not None
        ]
        return {
            "dual_criminality": self.dual_criminality,
            "conduct": self.conduct,
            "host": self.host,
            "requesting": self.requesting,
            "date": self.date.isoformat(),
            "role": self.role,
            "priority": self.priority,
            "facts": dict(self.facts),
            "host_provisions": [p.to_json() for p in self.host_provisions],
            "requesting_outcome": self.requesting_outcome,
            "requesting_provisions": [p.to_json() for p in self.requesting_provisions],
            "eu_layer": [p.to_json() for p in self.eu_layer],
            "missing_facts": list(self.missing_facts),
            "exclusions": [e.to_json() for e in self.exclusions],
            "channels": [c.to_json() for c in self.channels],
            "channels_excluded": [{"code": c, "reason": r} for c, r in self.channels_excluded],
            "time_limits": limits,
            "reasons": list(self.reasons),
            "kb_version": self.kb_version,
        }
