"""What the knowledge base covers, per jurisdiction: the figures of `comity law coverage`
and of docs/law-coverage.md (issue 14).

For each jurisdiction: provisions by the confidence of their wording in force on the date
(a provision counts `high` only when the version applying that day is high), how many are
high in every version ("high throughout": no older wording less well read), and how many
quote the text they were
read from; each conduct code as covered, a verified absence, or not yet read; the
authorities by role with the languages they accept; the treaties with the requesting
state in force on the date; when the encoding was last verified. `TARGET` is the set
of states Comity is meant to cover: one missing from the knowledge base, or present with
no conduct encoded or verified absent, is listed as `unsupported`, never guessed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from comity.law.compare import treaties_between
from comity.law.model import Jurisdiction, KnowledgeBase

__all__ = ["TARGET", "coverage"]

# The 47 states of issue 14: the EU's 27, the Central Asian and Eastern neighbours,
# and the other hosts of content Kazakhstan asks about (plus Kazakhstan itself).
TARGET = (
    *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"),
    *("IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
    *("UZ", "KG", "TJ", "BY", "AZ", "AM", "GE", "UA", "MD"),
    *("GB", "CH", "NO", "IS", "US", "CA", "TR", "RU", "AE", "SG", "KZ"),
)


def _conducts(jur: Jurisdiction, codes: list[str]) -> dict[str, dict[str, Any]]:
    covered: dict[str, list[str]] = {}
    for p in jur.provisions:
        for code in p.conducts:
            covered.setdefault(code, []).append(p.id)
        for reach in p.reaches:
            for code in reach.conducts:
                covered.setdefault(code, []).append(p.id)
    absent = {a.conduct: a for a in jur.absences}
    out: dict[str, dict[str, Any]] = {}
    for code in codes:
        if code in covered:
            out[code] = {"status": "encoded", "provisions": sorted(set(covered[code]))}
            if code in absent and absent[code].partial:
                out[code]["partly_read"] = absent[code].note
            if code in jur.conduct_encoded_from:
                # encoded, but only from this date: earlier dates answer `unsupported`
                start, note = jur.conduct_encoded_from[code]
                out[code]["encoded_from"] = {"date": start.isoformat(), "note": note}
        elif code in absent:
            a = absent[code]
            status = "verified_absence" if a.verified else "not_yet_read"
            out[code] = {"status": status, "note": a.note}
        else:
            out[code] = {"status": "not_yet_read", "note": "no provision and no absence recorded"}
    return out


def _one(kb: KnowledgeBase, jur: Jurisdiction, requesting: str, on: date) -> dict[str, Any]:
    # by the wording in force on `on`, so a provision whose current wording was read
    # verbatim counts high today, while `high_throughout` shows whether older wordings were
    conf = Counter(p.confidence_on(on) for p in jur.provisions)
    throughout = sum(1 for p in jur.provisions if p.high_throughout)
    quoted = sum(1 for p in jur.provisions if p.versions and p.versions[-1].text)
    conducts = _conducts(jur, list(kb.vocabulary.conducts))
    statuses = Counter(c["status"] for c in conducts.values())
    treaties = (
        [] if jur.code in (requesting, "EU") else treaties_between(kb, requesting, jur.code, on)
    )
    return {
        "code": jur.code,
        "name": jur.name,
        "provisions": len(jur.provisions),
        "confidence": {k: conf.get(k, 0) for k in ("high", "medium", "low")},
        "high_throughout": throughout,
        "quoted": quoted,
        "conducts": conducts,
        "conduct_summary": {
            **{k: statuses.get(k, 0) for k in ("encoded", "verified_absence", "not_yet_read")},
            # encoded codes whose other offences were not read (a `partial` absence): the
            # engine answers `unsupported` where the read provisions say no
            "partly_read": sum(1 for c in conducts.values() if "partly_read" in c),
        },
        "authorities": [
            {
                "id": a.id,
                "name": a.name_en or a.name,
                "roles": list(a.roles),
                "languages": list(a.languages),
                "confidence": a.confidence,
            }
            for a in jur.authorities.values()
        ],
        "treaties_in_force": [t["id"] for t in treaties if t["status"] == "in_force"],
        "treaties_conditional": [t["id"] for t in treaties if t["status"] == "conditional"],
        "last_verified": jur.last_verified.isoformat() if jur.last_verified else None,
        "encoded_from": jur.encoded_from.isoformat() if jur.encoded_from else None,
    }


def coverage(*, kb: KnowledgeBase, requesting: str = "KZ", on: date) -> dict[str, Any]:
    """Per-jurisdiction coverage and the totals issue 14 is judged by."""
    rows = [_one(kb, kb.jurisdictions[c], requesting, on) for c in sorted(kb.jurisdictions)]
    provisions = sum(r["provisions"] for r in rows)
    high = sum(r["confidence"]["high"] for r in rows)
    # A folder is not coverage: a state whose every conduct is still unread (Cyprus has
    # authorities and treaties but no provision) answers `unsupported` to every question.
    answering = {
        r["code"]
        for r in rows
        if r["conduct_summary"]["encoded"] + r["conduct_summary"]["verified_absence"] > 0
    }
    return {
        "date": on.isoformat(),
        "requesting": requesting,
        "jurisdictions": rows,
        "unsupported": [c for c in TARGET if c not in answering],
        "totals": {
            "jurisdictions": len(rows),
            "target_states": len(TARGET),
            "target_covered": sum(1 for c in TARGET if c in answering),
            "provisions": provisions,
            "high": high,
            "high_share": round(high / provisions, 3) if provisions else 0.0,
            "high_throughout": sum(r["high_throughout"] for r in rows),
            "medium": sum(r["confidence"]["medium"] for r in rows),
            "quoted": sum(r["quoted"] for r in rows),
            "low": sum(r["confidence"]["low"] for r in rows),
            "conduct_codes_not_yet_read": sum(
                r["conduct_summary"]["not_yet_read"] for r in rows if r["code"] != "EU"
            ),
            "conduct_codes_partly_read": sum(
                r["conduct_summary"]["partly_read"] for r in rows if r["code"] != "EU"
            ),
        },
    }
