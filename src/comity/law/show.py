"""`comity law show CC`: a jurisdiction's encoding as plain data."""

from __future__ import annotations

from typing import Any

from comity.core.errors import NotFound
from comity.law.model import KnowledgeBase

__all__ = ["show_jurisdiction"]


def _d(value: Any) -> Any:
    return None if value is None else value.isoformat()


def show_jurisdiction(*, kb: KnowledgeBase, code: str) -> dict[str, Any]:
    jur = kb.jurisdictions.get(code)
    if jur is None:
        raise NotFound(
            f"{code} has no encoding (unsupported); encoded: {', '.join(sorted(kb.jurisdictions))}"
        )
    return {
        "code": jur.code,
        "name": jur.name,
        "name_local": jur.name_local,
        "legal_system": jur.legal_system,
        "kb_version": kb.digest,
        "memberships": [
            {
                "org": m.org,
                "from": _d(m.start),
                "to": _d(m.end),
                "confidence": m.confidence,
                "source": m.source.to_json(),
            }
            for m in jur.memberships
        ],
        "authorities": [
            {
                "id": a.id,
                "name": a.name,
                "name_en": a.name_en,
                "roles": list(a.roles),
                "from": _d(a.start),
                "to": _d(a.end),
                "confidence": a.confidence,
                "source": a.source.to_json(),
            }
            for a in jur.authorities.values()
        ],
        "channels": [
            {
                "code": c.code,
                "authority": c.authority,
                "from": _d(c.start),
                "to": _d(c.end),
                "time_limit": None if c.time_limit is None else c.time_limit.text,
                "scope": list(c.scope),
                "confidence": c.confidence,
                "source": c.source.to_json(),
            }
            for c in jur.channels
        ],
        "treaties": [
            {
                "id": t.id,
                "title": t.title,
                "kind": t.kind,
                "signed": _d(t.signed),
                "channels": list(t.channels),
                "parties_complete": t.parties_complete,
                "entries": [e.to_json() for e in t.parties if e.state == jur.code],
                "confidence": t.confidence,
                "note": t.note,
                "source": t.source.to_json(),
            }
            for t in jur.treaties
        ],
        "provisions": [
            {
                "id": p.id,
                "kind": p.kind,
                "citation": p.citation,
                "title": p.title_en or p.title,
                "conducts": sorted(p.conducts),
                "protects": p.protects,
                "requires_host_designation": p.requires_host_designation,
                "exclusions": [
                    {"purpose": e.purpose, "from": _d(e.start), "to": _d(e.end)}
                    for e in p.exclusions
                ],
                "reaches": [
                    {"conducts": sorted(r.conducts), "reason": r.reason} for r in p.reaches
                ],
                # the latest wording's, as the page shows that wording; each version
                # carries its own (an older wording may be less well read)
                "confidence": p.versions[-1].confidence,
                "high_throughout": p.high_throughout,
                "note": p.note,
                "source": p.source.to_json(),
                "versions": [
                    {
                        "from": _d(v.start),
                        "to": _d(v.end),
                        "elements": [leaf.label for leaf in v.leaves],
                        "max_penalty": v.max_penalty.text if v.max_penalty else None,
                        "confidence": v.confidence,
                    }
                    for v in p.versions
                ],
            }
            for p in jur.provisions
        ],
        "constraints": [
            {
                "id": c.id,
                "citation": c.citation,
                "title": c.title,
                "applies_to": sorted(c.applies_to),
                "conducts": sorted(c.conducts),
                "unless": [
                    {
                        "id": e.id,
                        "citation": e.citation,
                        "applies_to": sorted(e.applies_to),
                        "when": [leaf.label for leaf in e.leaves],
                    }
                    for e in c.exceptions
                ],
                "confidence": c.confidence,
                "source": c.source.to_json(),
            }
            for c in jur.constraints
        ],
    }
